// The console's main journeys in a real Chromium (Debian's `chromium`),
// against a real `cordon serve` started by crates/cli/tests/it/console.rs.
// Every page is checked with axe-core's default rules and saved as a
// screenshot in $SHOTS. Exits non-zero on the first failed check.
//
// Environment: CORDON_URL (http://127.0.0.1:PORT), CORDON_KEY (the admin
// API key printed at first start), CORDON_PASSWORD (the super admin's
// one-time password), SHOTS (a directory), CHROMIUM (the browser);
// CORDON_ALERT_DIR (optional): where the Alerts journey's JSON Lines sink
// writes (a new directory under /tmp otherwise; the server must be able
// to write there, so it runs on this machine).

import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";

const URL = process.env.CORDON_URL;
const KEY = process.env.CORDON_KEY;
const ONE_TIME = process.env.CORDON_PASSWORD;
const SHOTS = process.env.SHOTS || "target/console-screenshots";
mkdirSync(SHOTS, { recursive: true });

let step = "start";
function check(cond, what) {
  if (!cond) {
    throw new Error(`${step}: ${what}`);
  }
}

// RFC 6238 with SHA-1, 6 digits, 30 s: what an authenticator app shows.
function base32(s) {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "").toUpperCase()) {
    const v = abc.indexOf(c);
    if (v >= 0) bits += v.toString(2).padStart(5, "0");
  }
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac("sha1", base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, "0");
}

async function api(method, path, body) {
  const r = await fetch(URL + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  check(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const pages = [];
async function look(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  check(bad.length === 0, `axe on ${name}: ${bad.join("; ")}`);
  pages.push(name);
}

async function signIn(page, user, password) {
  await page.goto(URL + "/login");
  await page.fill("#username", user);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
}

// After the password: enrols or answers the authenticator when asked.
async function secondFactor(page) {
  await page.waitForLoadState();
  if (await page.isVisible("#totp-secret")) {
    const secret = (await page.textContent("#totp-secret")).trim();
    await page.fill("#code", totp(secret));
    await page.click("form[action='/login/2fa'] button");
  }
}

async function main() {
  // Data: the example policy, a policy whose name is markup, incidents.
  step = "setup";
  const fs = await import("node:fs");
  const seed = fs.readFileSync(process.env.CORDON_ROOT + "/examples/policies/filecloud-seed.yaml", "utf8");
  await api("POST", "/v1/policies", { body: seed, activate: true });
  await api("POST", "/v1/policies", {
    body: "id: markup\nname: \"<script>alert('x')</script><b>bold</b>\"\nrules: []\n",
  });
  await api("PUT", "/v1/agent-groups/laptops", { policy_id: "filecloud-seed", policy_version: 1, description: "Laptops" });
  await api("PUT", "/v1/computers/pc-7", {});
  for (const [user, country] of [["alice", "FR"], ["bob", "DE"], ["carol", "FR"], ["alice", "BR"]]) {
    await api("POST", "/v1/decide", {
      action: "login",
      request: { remoteIp: "81.2.69.160", remoteCountryCode: country, agent: "Web browser" },
      user: { username: user, email: `${user}@company.com` },
    });
  }

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/Paris" });
  const page = await context.newPage();
  page.on("dialog", async (d) => {
    // Confirmations are accepted; anything else (an alert from injected
    // markup) fails the run.
    if (d.type() === "confirm") return d.accept();
    await d.dismiss();
    throw new Error(`${step}: an unexpected ${d.type()} dialog: ${d.message()}`);
  });
  const scriptErrors = [];
  page.on("pageerror", (e) => scriptErrors.push(String(e)));

  step = "no page without a session";
  for (const p of ["/dashboard", "/incidents", "/policies", "/admin", "/audit", "/incidents/1", "/alerts/sinks", "/alerts/crawler"]) {
    const r = await fetch(URL + p, { redirect: "manual" });
    check(r.status === 303 && (r.headers.get("location") || "").startsWith("/login"), `${p} answered ${r.status} ${r.headers.get("location")}`);
  }
  const forged = await fetch(URL + "/admin/users", { method: "POST", redirect: "manual", body: "username=x&role=administrator", headers: { "content-type": "application/x-www-form-urlencoded" } });
  check(forged.status === 303 || forged.status === 401, `an anonymous POST answered ${forged.status}`);

  step = "first sign-in: the one-time password must be changed";
  await signIn(page, "admin", "wrong password");
  check((await page.textContent("[role=alert]")).includes("user name or password is wrong"), "the wrong password is not explained");
  await look(page, "01-login-refused");
  await signIn(page, "admin", ONE_TIME);
  await page.waitForURL(/\/password$/);
  await look(page, "02-change-password");
  await page.fill("#current", ONE_TIME);
  await page.fill("#new", "short");
  await page.click("button[type=submit]");
  check(await page.isVisible("[role=alert]"), "a weak password is not refused on the page");
  await page.fill("#current", ONE_TIME);
  await page.fill("#new", "correct horse battery staple 42");
  await page.click("button[type=submit]");
  await page.waitForURL(/\/dashboard/);
  check((await page.textContent("[role=status]")).includes("password was changed"), "no confirmation of the new password");

  step = "turn on authenticator sign-in for everybody";
  await page.goto(URL + "/admin");
  await page.fill("#r-password", "correct horse battery staple 42");
  await page.click("form[action='/admin/reauth'] button");
  await page.waitForURL(/\/admin\?done=/);
  await page.selectOption("#s-2fa", "totp");
  await page.click("form[action='/admin/settings'] button");
  await page.waitForURL(/done=settings/);
  await look(page, "03-admin");

  step = "sign out, then sign in with TOTP enrolment";
  await page.click("header form[action='/logout'] button");
  await page.waitForURL(/\/login/);
  await signIn(page, "admin", "correct horse battery staple 42");
  await page.waitForSelector("#totp-secret");
  check(await page.isVisible(".qr svg"), "the enrolment QR code is not shown");
  await look(page, "04-totp-enrol");
  const secret = (await page.textContent("#totp-secret")).trim();
  await page.fill("#code", "000000");
  await page.click("form[action='/login/2fa'] button");
  check((await page.textContent("[role=alert]")).includes("code is wrong"), "a wrong code is not explained");
  await page.waitForSelector("#totp-secret");
  await page.fill("#code", totp(secret));
  await page.check("input[name=remember]");
  await page.click("form[action='/login/2fa'] button");
  await page.waitForURL(/\/dashboard/);

  step = "dashboard";
  check(await page.isVisible("svg.chart"), "no chart");
  const widgets = await page.textContent(".widgets");
  check(/Violations/.test(widgets), "no violations widget");
  await look(page, "05-dashboard");

  step = "incidents: filter, open, change status";
  await page.goto(URL + "/incidents");
  await look(page, "06-incidents");
  await page.fill("#f-user", "alice");
  await page.click("form.filters button[type=submit]");
  await page.waitForURL(/user=alice/);
  const users = await page.$$eval("table.incidents tbody tr td:nth-child(5)", (tds) => tds.map((t) => t.textContent.trim()));
  check(users.length > 0 && users.every((u) => u === "alice"), `the filter shows ${users}`);
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), await page.getAttribute("a[download]", "href"));
  check(csv.split("\r\n").filter((l) => l && !l.startsWith("id,")).length === users.length, "the export is not the filtered view");
  await page.click("table.incidents tbody tr:first-child td:nth-child(2) a");
  await page.waitForURL(/\/incidents\/\d+$/);
  await look(page, "07-incident");
  await page.selectOption("#s-status", "false_positive");
  await page.selectOption("#s-reason", "Test data");
  await page.fill("#s-note", "checked with the user");
  await page.click("form[action$='/status'] button");
  await page.waitForURL(/done=status/);
  const history = await page.textContent("ol.timeline");
  check(history.includes("false positive") && history.includes("Test data") && history.includes("admin"), `the history says ${history}`);

  step = "incidents: the sealed shadow copy downloads whole";
  {
    // An agent's computer: a client key enrolled in a group, which sends
    // an incident whose history names a shadow copy, then the copy.
    const { createHash, randomBytes } = await import("node:crypto");
    const client = await api("POST", "/v1/keys", { name: "pc-shadow-agent", role: "client" });
    const as = (method, path, body, headers = {}) =>
      fetch(URL + path, { method, headers: { authorization: `Bearer ${client.secret}`, ...headers }, body });
    let r = await as("POST", "/v1/agent/enroll", JSON.stringify({ name: "pc-shadow", group: "laptops" }), { "content-type": "application/json" });
    check(r.ok, `enrol: ${r.status} ${await r.text()}`);
    // What an age file looks like from outside: its header, then bytes.
    const sealed = Buffer.concat([Buffer.from("age-encryption.org/v1\n"), randomBytes(70_000)]);
    const sha256 = createHash("sha256").update(sealed).digest("hex");
    const id = randomBytes(16).toString("hex");
    const incident = {
      created_at: Date.now(), request_id: "req-shadow-journey", rule_id: "usb-confidential", rule_name: "Confidential to USB",
      policy_id: "filecloud-seed", policy_version: 1, mode: "enforce", enforced: true, decision: "deny",
      action: "copy_to_device", username: "alice", categories: ["PII"],
      details: {
        event: { action: "copy_to_device", file: { path: "/media/alice/STICK/plan.docx" } },
        violation: { rule: "usb-confidential", kind: "data_flow", mode: "enforce", enforced: true, verdict: "deny" },
        action_taken: "blocked", actions: [], message: "Confidential files stay here", trace: [], exception: null,
        findings: [], policy_generation: 1,
        endpoint: [{ at: Date.now(), kind: "shadowed", text: "File content is kept (sealed)", shadow: { id, bytes: sealed.length, sha256 } }],
      },
    };
    r = await as("POST", "/v1/agent/incidents", JSON.stringify({ incidents: [incident] }), { "content-type": "application/json" });
    check(r.ok, `upload: ${r.status} ${await r.text()}`);
    r = await as("PUT", `/v1/agent/shadows/${id}`, sealed, { "content-type": "application/octet-stream", "x-cordon-sha256": sha256 });
    check(r.ok, `shadow: ${r.status} ${await r.text()}`);
    // The journal loads incidents in the background: wait for it.
    let found = null;
    for (let i = 0; i < 100 && !found; i++) {
      const list = await api("GET", "/v1/incidents?user=alice&limit=100");
      found = list.incidents.find((x) => x.request_id === "req-shadow-journey");
      if (!found) await new Promise((res) => setTimeout(res, 100));
    }
    check(found, "the agent's incident never appeared");
    await page.goto(URL + `/incidents/${found.id}`);
    const link = page.locator(`a[href='/incidents/${found.id}/shadow']`);
    check(await link.isVisible(), "no download link for the shadow copy");
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const chunks = [];
    for await (const c of await download.createReadStream()) chunks.push(c);
    const got = Buffer.concat(chunks);
    check(got.length === sealed.length && createHash("sha256").update(got).digest("hex") === sha256,
      `the download is ${got.length} bytes, not the ${sealed.length} sealed ones`);
    await look(page, "07b-incident-shadow");
  }

  step = "incidents: bulk status";
  await page.goto(URL + "/incidents?status=new");
  await page.check("input[data-select-all]");
  await page.selectOption("#b-status", "in_progress");
  await page.fill("#b-note", "triage");
  await page.click("#bulk fieldset button");
  await page.waitForURL(/done=bulk/);
  check(await page.isVisible("text=No incidents match"), "new incidents remain after the bulk change");

  step = "policies: an error as you type and on save, then fix and activate";
  await page.goto(URL + "/policies");
  check((await page.textContent("main")).includes("<script>alert('x')</script><b>bold</b>"), "a policy name with markup is not shown as text");
  await look(page, "08-policies");
  await page.goto(URL + "/policies/filecloud-seed");
  const original = await page.inputValue("#body");
  const broken = original.replace("expression: _request.remoteCountryCode != 'US'", "expression: _request.remoteCountryCode != ");
  check(broken !== original, "the example policy changed; update the journey");
  await page.fill("#body", broken);
  await page.waitForSelector("#live .diagnostics li.error", { timeout: 10000 });
  await page.click("button[value=save]");
  await page.waitForSelector(".error-summary");
  const summary = await page.textContent(".error-summary");
  check(/Line \d+, column \d+/.test(summary), `the diagnostic has no line and column: ${summary}`);
  await look(page, "09-policy-error");
  await page.fill("#body", original.replace("Logins are only allowed from the United States.", "Logins from abroad are refused."));
  await page.fill("#comment", "clearer message");
  await page.check("input[name=activate]");
  await page.click("button[value=save]");
  await page.waitForURL(/done=activated/);
  check((await page.textContent("main")).includes("Version 2 is active"), "version 2 is not active");
  await page.click("button[value=try]");
  await page.waitForSelector(".trial");
  check(!(await page.textContent(".trial")).includes("FAILED"), "the policy's own tests fail");
  await look(page, "10-policy");
  await page.goto(URL + "/policies/filecloud-seed/diff?from=1&to=2");
  check(await page.isVisible("pre.diff .add"), "the diff shows no added line");
  await look(page, "11-diff");

  step = "observation baseline: reviewed rule by rule and enforced";
  await api("POST", "/v1/policies", {
    body: "id: observed\nname: Observed flows\nmode: observe\nobservation: allow_all\ninternal:\n  domains: [corp.com]\nflows: []\n",
    activate: true,
  });
  for (const [to, cat] of [["bob@partner.example", "PII"], ["eve@gmail.example", "PCI"]]) {
    await api("POST", "/v1/decide", {
      action: "email",
      user: { username: "ann" },
      sender: [{ kind: "contact", type: "email", id: "ann@corp.com" }],
      recipients: [{ kind: "contact", type: "email", id: to }],
      file: { path: "/tmp/x.xlsx", classification: { categories: [cat] } },
    });
  }
  await page.goto(URL + "/policies/observed/baseline");
  check((await page.textContent("[role=alert]")).includes("Default rules still allow"), "no warning about allowing defaults");
  check((await page.$$("input[name^=keep_]")).length === 2, "the two observed flows are not listed");
  await look(page, "12-baseline");
  await page.uncheck("input[name=keep_1]");
  await page.selectOption("select[name=default_PII]", "exception");
  await page.selectOption("select[name=default_PCI]", "deny");
  await page.check("input[name=activate]");
  await page.click("form[action$='/baseline'] button[type=submit]");
  await page.waitForURL(/\/policies\/observed\?done=activated/);
  const enforced = await page.inputValue("#body");
  check(enforced.includes('"mode": "enforce"') && !enforced.includes('"mode": "observe"') && (enforced.match(/"category"/g) || []).length === 1,
    `the enforcing version is ${enforced}`);

  step = "the other pages";
  for (const [p, name] of [["/detectors", "13-detectors"], ["/agents", "14-agents"], ["/audit", "15-audit"], ["/account", "16-account"]]) {
    await page.goto(URL + p);
    await look(page, name);
  }
  step = "agents: an office added, a computer moved into a group and the office";
  await page.goto(URL + "/agents");
  await page.fill("#o-name", "lyon");
  await page.fill("#o-desc", "Lyon office");
  await page.click("form[action='/agents/offices'] button");
  await page.waitForURL(/done=created/);
  await page.selectOption("select[name=group]", "laptops");
  await page.selectOption("select[name=office]", "lyon");
  await page.click("form[action='/agents/computers/pc-7'] button");
  await page.waitForURL(/done=saved/);
  check((await page.inputValue("select[name=group]")) === "laptops" && (await page.inputValue("select[name=office]")) === "lyon",
    "pc-7 was not moved");

  await page.goto(URL + "/detectors");
  await page.fill("#t-text", "card 4111 1111 1111 1111, and please Encrypt me");
  await page.click("form[action='/detectors'] button");
  const found = await page.textContent("main table");
  check(found.includes("credit_card") && found.includes("encrypt_me") && !found.includes("4111 1111 1111 1111"), `try-it found ${found}`);

  step = "a refused change is explained, and not through the URL";
  await page.goto(URL + "/admin");
  if (await page.isVisible("#r-password")) {
    await page.fill("#r-password", "correct horse battery staple 42");
    await page.fill("#r-code", totp(secret, Date.now() + 30000));
    await page.click("form[action='/admin/reauth'] button");
    await page.waitForURL(/\/admin\?/);
  }
  await page.click("summary:has-text('Add a user')");
  await page.fill("#u-name", "weak");
  await page.fill("#u-password", "short");
  await page.click("form[action='/admin/users'] button");
  await page.waitForURL(/\/admin$/);
  check((await page.textContent("[role=alert]")).toLowerCase().includes("password"), "a refused user is not explained");
  await page.reload();
  check(!(await page.isVisible("[role=alert]")), "the problem is shown twice");

  step = "a Technician and a Guest";
  await page.goto(URL + "/admin");
  for (const [name, role] of [["tech1", "technician"], ["guest1", "guest"]]) {
    if (await page.isVisible("#r-password")) {
      await page.fill("#r-password", "correct horse battery staple 42");
      await page.fill("#r-code", totp(secret, Date.now() + 30000));
      await page.click("form[action='/admin/reauth'] button");
      await page.waitForURL(/\/admin\?/);
    }
    await page.click("summary:has-text('Add a user')");
    await page.fill("#u-name", name);
    await page.fill("#u-password", "a one-time passphrase 7");
    await page.selectOption("#u-role", role);
    await page.click("form[action='/admin/users'] button");
    await page.waitForURL(/\/admin\?/);
    check((await page.textContent("main")).includes(name), `${name} was not created: ${await page.textContent("main")}`);
  }

  step = "one user: role, scope and e-mail changed";
  await page.goto(URL + "/admin");
  await page.click("a:text-is('tech1')");
  await page.waitForURL(/\/admin\/users\//);
  await look(page, "19-user");
  await page.fill("#e-email", "tech1@corp.com");
  await page.click("form[action$='/update'] button");
  await page.waitForURL(/done=saved/);
  check((await page.inputValue("#e-email")) === "tech1@corp.com", "the e-mail was not saved");

  step = "a custom role: created, changed, deleted";
  await page.goto(URL + "/admin");
  await page.click("summary:has-text('Add a role')");
  await page.fill("#role-name", "Data auditors");
  await page.selectOption("#lv-audit", "read");
  await page.selectOption("#lv-incidents", "read");
  await page.click("form[action='/admin/roles'] button");
  await page.waitForURL(/done=created/);
  await page.click("a:text-is('Data auditors')");
  await page.waitForURL(/\/admin\/roles\/data-auditors/);
  await look(page, "20-role");
  await page.selectOption("#lv-reports", "read");
  await page.click("form[action$='/update'] button");
  await page.waitForURL(/done=saved/);
  check((await page.inputValue("#lv-reports")) === "read", "the role's new level was not saved");
  await page.click("form[action$='/delete'] button");
  await page.waitForURL(/\/admin\?done=deleted/);
  check(!(await page.isVisible("a:text-is('Data auditors')")), "the deleted role is still listed");

  step = "alerts: a JSON Lines sink and a test alert";
  const alertDir = process.env.CORDON_ALERT_DIR || fs.mkdtempSync("/tmp/cordon-alerts-");
  const alertFile = `${alertDir}/alerts.jsonl`;
  await page.goto(URL + "/alerts");
  await page.waitForURL(/\/alerts\/sinks/);
  await look(page, "21-alert-sinks");
  await page.click("a:text-is('jsonl')");
  await page.waitForURL(/kind=jsonl/);
  check((await page.inputValue("#k-config")).includes('"kind": "jsonl"'), "the jsonl example is not in the editor");
  await page.fill("#k-id", "files");
  // A typo is refused by the server, explained, and the typed text kept.
  await page.fill("#k-config", JSON.stringify({ kind: "jsonl", pth: alertFile }));
  await page.click("#sink-form button[type=submit]");
  await page.waitForSelector("[role=alert]");
  check((await page.inputValue("#k-config")).includes('"pth"'), "the refused configuration was lost");
  check((await page.inputValue("#k-id")) === "files", "the refused sink's id was lost");
  await look(page, "22-alert-sink-refused");
  await page.fill("#k-config", JSON.stringify({ kind: "jsonl", path: alertFile }, null, 2));
  await page.selectOption("#k-on", "alerts");
  await page.check("#k-enabled");
  await page.click("#sink-form button[type=submit]");
  await page.waitForURL(/done=saved/);
  const sinkTable = await page.textContent("table.sinks");
  check(sinkTable.includes("files") && sinkTable.includes(alertFile), `the sinks table says ${sinkTable}`);
  await page.click("form[action='/alerts/sinks/files/test'] button");
  // Delivered: `?done=test_delivered`; otherwise the bare page with why.
  await page.waitForURL(/done=test_delivered|\/alerts\/sinks$/);
  check((await page.textContent("[role=status]")).includes("test alert was delivered"),
    `the test alert's outcome: ${await page.textContent("main")}`);
  check(fs.existsSync(alertFile) && fs.readFileSync(alertFile, "utf8").trim().length > 0, `nothing was written to ${alertFile}`);

  step = "alerts: a response rule";
  await page.goto(URL + "/alerts/responses");
  await look(page, "23-response-rules");
  await page.fill("#p-id", "denials-to-file");
  await page.fill("#p-desc", "Every denial to the file");
  await page.fill("#p-rule", JSON.stringify({
    when: { rules: [], policies: [], categories: [], channels: [], decisions: ["deny"], modes: [], min_severity: 0 },
    actions: [{ sink: "files" }],
  }, null, 2));
  await page.click("#response-form button[type=submit]");
  await page.waitForURL(/done=saved/);
  const rulesTable = await page.textContent("table.responses");
  check(rulesTable.includes("denials-to-file") && rulesTable.includes("sink files") && rulesTable.includes("decisions deny"),
    `the response rules table says ${rulesTable}`);

  step = "alerts: deliveries of a new incident, and its history";
  await api("POST", "/v1/decide", {
    action: "login",
    request: { remoteIp: "81.2.69.160", remoteCountryCode: "FR", agent: "Web browser" },
    user: { username: "dave", email: "dave@company.com" },
  });
  let delivered = false;
  for (let i = 0; i < 40 && !delivered; i++) {
    await page.goto(URL + "/alerts/deliveries?target=sink%3Afiles&state=delivered");
    delivered = await page.isVisible("table.deliveries tbody tr");
    if (!delivered) await page.waitForTimeout(500);
  }
  check(delivered, "no delivery to sink:files was delivered within 20 s");
  await look(page, "24-deliveries");
  check(await page.isVisible("table.summary a[href*='target=sink%3Afiles']"), "the summary has no row for sink:files");
  await page.selectOption("#d-state", "");
  await page.click("form.filters button[type=submit]");
  await page.waitForURL(/target=sink%3Afiles/);
  await page.click("table.deliveries tbody tr:first-child a[href^='/incidents/']");
  await page.waitForURL(/\/incidents\/\d+$/);
  const alertHistory = await page.textContent("ol.timeline");
  check(alertHistory.includes("Alert sent to sink files"), `the incident's history says ${alertHistory}`);

  step = "alerts: plug-ins";
  await page.goto(URL + "/alerts/plugins");
  check((await page.textContent("main")).includes("cordon plugin install FILE --server URL"), "no install instructions");
  await look(page, "25-plugins");

  step = "alerts: the share crawler in dry run, run now, the run";
  await page.goto(URL + "/alerts/crawler");
  await look(page, "26-share-crawler");
  await page.check("#c-enabled");
  await page.fill("#c-at", "03:30");
  await page.selectOption("#c-mode", "dry_run");
  await page.fill("#c-callbacks", "[]");
  await page.click("#crawler-form button[type=submit]");
  await page.waitForURL(/done=settings/);
  check((await page.inputValue("#c-at")) === "03:30" && (await page.inputValue("#c-mode")) === "dry_run", "the crawler settings were not saved");
  await page.click("form[action='/alerts/crawler/run'] button");
  await page.waitForURL(/\/alerts\/crawler(\/runs\/[^/?]+)?\?done=crawled/);
  if (!/\/runs\//.test(page.url())) {
    await page.click("table.runs tbody tr:first-child a");
    await page.waitForURL(/\/alerts\/crawler\/runs\//);
  }
  check((await page.textContent("dl.facts")).includes("dry run"), `the run says ${await page.textContent("main")}`);
  await look(page, "27-crawl-run");
  await page.goto(URL + "/alerts/shares");
  await look(page, "28-shares");

  step = "mobile width";
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(URL + "/incidents");
  await look(page, "17-incidents-phone");
  await page.setViewportSize({ width: 1280, height: 900 });

  // The technician, in a browser of their own.
  const tctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const tech = await tctx.newPage();
  step = "technician: sign in, change the password, enrol";
  await signIn(tech, "tech1", "a one-time passphrase 7");
  await secondFactor(tech);
  await tech.waitForURL(/\/password$/);
  await tech.fill("#current", "a one-time passphrase 7");
  await tech.fill("#new", "technician passphrase 99 ok");
  await tech.click("button[type=submit]");
  await tech.waitForURL(/\/dashboard|\/incidents|\/policies/);
  const nav = await tech.textContent("header nav");
  // Technicians read the audit trail (docs/access.md) but have no Admin tab.
  check(!nav.includes("Administration") && !nav.includes("Alerts") && nav.includes("Policies"), `the technician sees ${nav}`);
  await look(tech, "18-technician");
  const adminPage = await tech.goto(URL + "/admin");
  check(adminPage.status() === 403, `/admin answered ${adminPage.status()} to a technician`);
  const alertsPage = await tech.goto(URL + "/alerts/sinks");
  check(alertsPage.status() === 403, `/alerts/sinks answered ${alertsPage.status()} to a technician`);
  await tech.goto(URL + "/policies/filecloud-seed");
  check(!(await tech.isVisible("button[value=save]")), "a technician may save the administrator's policy");
  const tcsrf = (await tctx.cookies()).find((c) => c.name === "cordon_csrf").value;
  const forgedAdmin = await tech.evaluate(async (csrf) => {
    const r = await fetch("/admin/users", { method: "POST", body: new URLSearchParams({ csrf, username: "evil", role: "administrator", password: "x y z w q r s t" }) });
    return r.status;
  }, tcsrf);
  check(forgedAdmin === 403, `a technician's POST to /admin/users answered ${forgedAdmin}`);

  step = "guest: a forged status change is refused";
  const gctx = await browser.newContext();
  const guest = await gctx.newPage();
  await signIn(guest, "guest1", "a one-time passphrase 7");
  await secondFactor(guest);
  await guest.waitForURL(/\/password$/);
  await guest.fill("#current", "a one-time passphrase 7");
  await guest.fill("#new", "guest passphrase 99 ok fine");
  await guest.click("button[type=submit]");
  await guest.waitForURL(/\?done=password|\/dashboard|\/incidents/);
  await guest.goto(URL + "/incidents");
  check(!(await guest.isVisible("#bulk fieldset")), "a guest is offered the bulk change");
  const gcsrf = (await gctx.cookies()).find((c) => c.name === "cordon_csrf").value;
  const forgedStatus = await guest.evaluate(async (csrf) => {
    const r = await fetch("/incidents/1/status", { method: "POST", body: new URLSearchParams({ csrf, status: "resolved", note: "x" }) });
    return r.status;
  }, gcsrf);
  check(forgedStatus === 403, `a guest's status change answered ${forgedStatus}`);

  step = "CSRF: a change without the form's token is refused";
  const noToken = await page.evaluate(async () => {
    const r = await fetch("/incidents/1/status", { method: "POST", body: new URLSearchParams({ csrf: "wrong", status: "resolved", note: "x" }) });
    return r.status;
  });
  check(noToken === 403, `a change with a wrong CSRF token answered ${noToken}`);

  step = "remembered browser, then sign out everywhere";
  await page.goto(URL + "/account");
  await page.click("form[action='/logout-all'] button");
  await page.waitForURL(/\/login/);
  const after = await fetch(URL + "/dashboard", { redirect: "manual" });
  check(after.status === 303, "a page answered after signing out everywhere");

  check(scriptErrors.length === 0, `script errors: ${scriptErrors.join("; ")}`);
  await browser.close();
  console.log(`ok: ${pages.length} pages checked with axe, screenshots in ${SHOTS}`);
}

main().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
