-- wrk script: POST /v1/decide with a typical download event whose file
-- holds PII, so every request is a (permissive) violation and writes an
-- incident. Users rotate so the dashboard's user sets are exercised.
local key = os.getenv("CORDON_BENCH_KEY")
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"

request = function()
  n = n + 1
  local body = string.format([[{"action":"download","request":{"remoteIp":"10.1.2.3","agent":"Web browser"},"user":{"username":"user%d","email":"user%d@corp.example","groups":["Sales"]},"file":{"path":"/finance/customers-%d.xlsx","size":48213,"type":"xlsx","classification":{"categories":["PII"],"detectors":{"email":{"high":12},"person_name":{"medium":40}},"category_counts":{"PII":{"medium":40,"high":12}},"max_confidence":"high"}}}]], n % 500, n % 500, n)
  return wrk.format(nil, "/v1/decide", nil, body)
end
