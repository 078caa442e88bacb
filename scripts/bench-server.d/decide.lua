-- wrk script: POST /v1/decide with a typical download event whose file
-- holds PII, so every request is a (permissive) violation and writes an
-- incident. 500 users and distinct file paths rotate so the dashboard's
-- user sets and the incident indexes see realistic variety. The requests
-- are formatted once, in init, so wrk's own CPU goes to sending them (it
-- shares the machine's two cores with the server).
local key = os.getenv("CORDON_BENCH_KEY")
local requests = {}
local n = 0

init = function(args)
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }
  for i = 1, 5000 do
    local body = string.format([[{"action":"download","request":{"remoteIp":"10.1.2.3","agent":"Web browser"},"user":{"username":"user%d","email":"user%d@corp.example","groups":["Sales"]},"file":{"path":"/finance/customers-%d.xlsx","size":48213,"type":"xlsx","classification":{"categories":["PII"],"detectors":{"email":{"high":12},"person_name":{"medium":40}},"category_counts":{"PII":{"medium":40,"high":12}},"max_confidence":"high"}}}]], i % 500, i % 500, i)
    requests[i] = wrk.format("POST", "/v1/decide", headers, body)
  end
end

request = function()
  n = n % #requests + 1
  return requests[n]
end
