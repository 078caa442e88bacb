"""Machine documents: web / firewall / CDN logs, .env, docker-compose,
Terraform tfvars, Kubernetes Secrets, AWS credential files and CLI output,
.git-credentials, service-account JSON with escaped PEM, pasted keys, and
label-free certificate bundles and build logs."""
import base64
import string

import fake as F
import decoys as D
import keys as KEYS
import kit as K
from kit import L, say
from doc import Doc, json_out

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PATHS = ["/api/v2/orders", "/login", "/healthz", "/static/app.js", "/api/v1/users/me", "/checkout/confirm",
         "/graphql", "/wp-login.php", "/.env", "/metrics", "/api/v2/invoices/export"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.112 Safari/537.36",
       "curl/8.4.0", "python-requests/2.31.0", "kube-probe/1.29", "Go-http-client/1.1",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"]


def _clf_time(rng):
    return (f"{rng.randint(1, 28):02d}/{rng.choice(MONTHS)}/{rng.randint(2023, 2025)}:"
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} +0000")


def _client(rng):
    return K.ip4(rng, "public") if rng.random() < 0.65 else K.ip6(rng, "short")


def web_log(rng):
    d = Doc()
    style = rng.choice(["nginx", "alb", "headers"])
    for _ in range(rng.randint(6, 16)):
        if style == "nginx":
            c = _client(rng)
            d(c, f' - - [{_clf_time(rng)}] "{rng.choice(["GET", "POST"])} {rng.choice(PATHS)} HTTP/1.1" '
              f'{rng.choice([200, 200, 301, 404, 499, 502])} {rng.randint(0, 90000)} "-" "{rng.choice(UAS)}"')
            if rng.random() < 0.5:
                d(' xff="')
                for i in range(rng.randint(1, 3)):
                    d(", " if i else "", K.ip4(rng) if rng.random() < 0.8 else K.ip6(rng))
                d('"')
            if rng.random() < 0.4:
                up = K.ip6(rng)
                d(" upstream=[", up, f"]:{rng.choice([8080, 8443, 9000])}") if rng.random() < 0.4 else \
                    d(" upstream=", K.ip4(rng, "p10"), f":{rng.choice([8080, 3000, 9000])}")
            d(f" rt={rng.random():.3f}\n")
        elif style == "alb":
            d(f"https {D.timestamp(rng)} app/prod-alb/{D.hexstr(rng, 16)} ", K.ip4(rng), f":{rng.randint(1024, 65535)} ",
              K.ip4(rng, "p10"), f":{rng.choice([80, 8080])} 0.000 0.{rng.randint(1, 999):03d} 0.000 "
              f'{rng.choice([200, 403, 504])} "{rng.choice(["GET", "PUT"])} https://shop.example.com:443{rng.choice(PATHS)} HTTP/2.0" '
              f'"{rng.choice(UAS)}" Root={D.hexstr(rng, 24)}\n')
        else:
            d(f"--- request {D.uuid(rng)} ---\nX-Forwarded-For: ")
            for i in range(rng.randint(2, 4)):
                d(", " if i else "", K.ip4(rng) if rng.random() < 0.75 else K.ip6(rng))
            d("\nX-Real-IP: ", _client(rng), f"\nUser-Agent: {rng.choice(UAS)}\nVia: 1.1 edge-{rng.randint(1, 40)} (proxy/{D.version(rng)})\n")
    return d


def firewall_log(rng):
    d = Doc()
    host = f"fw{rng.randint(1, 4):02d}"
    for _ in range(rng.randint(6, 14)):
        when = f"{rng.choice(MONTHS)} {rng.randint(1, 28):2d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        kind = rng.random()
        if kind < 0.5:
            d(f"{when} {host} kernel: [UFW {rng.choice(['BLOCK', 'ALLOW', 'AUDIT'])}] IN=eth0 OUT= MAC={D.mac(rng)}:{D.mac(rng)}:08:00 SRC=",
              K.ip4(rng), " DST=", K.ip4(rng, "p10"),
              f" LEN={rng.randint(40, 1500)} TTL={rng.randint(30, 128)} PROTO=TCP SPT={rng.randint(1024, 65535)} DPT={rng.choice([22, 443, 3389, 5432])}\n")
        elif kind < 0.75:
            d(f"{when} {host} kernel: [IPV6 DROP] IN=eth1 SRC=", K.ip6(rng, rng.choice(["full", "short"])), " DST=",
              K.ip6(rng, "short"), f" PROTO=UDP SPT={rng.randint(1024, 65535)} DPT=53\n")
        elif kind < 0.9:
            src = K.ip6(rng, "short") if rng.random() < 0.4 else K.ip4(rng)
            verdict = rng.choice(["Failed password for invalid user admin", "Accepted publickey for deploy"])
            d(f"{when} {host} sshd[{rng.randint(900, 99999)}]: {verdict} from ", src, f" port {rng.randint(1024, 65535)} ssh2\n")
        else:
            d(f"{when} {host} dhcpd: DHCPACK on ", K.ip4(rng, "p192"), f" to {D.mac(rng)} via eth2; agent {D.version(rng)}\n")
    if rng.random() < 0.4:
        # link-local with a zone index: the label stops before "%eth0"
        ll = "fe80::" + ":".join(f"{rng.randint(1, 0xffff):x}" for _ in range(4))
        d(f"{rng.choice(MONTHS)}  1 00:00:01 {host} ntpd[{rng.randint(300, 999)}]: Listen normally on 5 eth0 [", L("ipv6", ll), "%eth0]:123\n")
    return d


def cdn_log(rng):
    d = Doc()
    if rng.random() < 0.5:
        d("#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status\n")
        for _ in range(rng.randint(5, 12)):
            d(f"{rng.randint(2023, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\t{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}\t{rng.choice(['LHR62-C2', 'FRA56-P3', 'IAD89-C1', 'NRT57-P2'])}\t{rng.randint(200, 90000)}\t",
              _client(rng), f"\tGET\td{D.hexstr(rng, 13)}.cloudfront.net\t{rng.choice(PATHS)}\t{rng.choice([200, 304, 403])}\n")
    else:
        for _ in range(rng.randint(4, 9)):
            json_out(d, {"ClientIP": _client(rng), "ClientRequestHost": "shop.example.com", "EdgeColoCode": rng.choice(["LHR", "AMS", "SJC"]),
                         "EdgeResponseStatus": rng.choice([200, 403, 429]), "RayID": D.hexstr(rng, 16),
                         "OriginIP": K.ip4(rng, "public"), "WAFRuleID": D.uuid(rng)}, compact=True)
            d("\n")
    return d


# ------------------------------------------------------------- configs
def _secret40(rng):
    return K.V.aws_secret(rng)


def dotenv(rng):
    d = Doc()
    comp = rng.choice(F.COMPANIES)
    d(f"# .env.{rng.choice(['production', 'staging', 'local'])} — {F.fill(rng, 'ops')}\nAPP_ENV=production\n")
    d(f"DATABASE_URL=postgres://app:{D.hexstr(rng, 16)}@", K.ip4(rng, "p10"), f":5432/{comp[1].split('.')[0]}\n")
    d("REDIS_HOST=", K.ip4(rng, "p10"), "\n")
    if rng.random() < 0.8:
        d("AWS_ACCESS_KEY_ID=", K.aws(rng, temp=False), f"\nAWS_SECRET_ACCESS_KEY={_secret40(rng)}\nAWS_REGION={rng.choice(['eu-west-2', 'us-east-1'])}\n")
    else:
        d(f"AWS_ACCESS_KEY_ID={D.aws_placeholder(rng)}\n")
    if rng.random() < 0.85:
        d(rng.choice(["GITHUB_TOKEN=", "GH_TOKEN=", "NPM_GITHUB_PAT="]), K.gh(rng), "\n")
    d("SMTP_FROM=", K.role_email(rng, comp[1]), "\n")
    if rng.random() < 0.5:
        d('SUPPORT_PHONE="', K.phone(rng), '"\n')
    if rng.random() < 0.6:
        block = KEYS.private_key(rng, rng.choice(["pkcs8_rsa", "pkcs8_ec", "ec256", "rsa1"]))
        d('JWT_PRIVATE_KEY="', L("private_key", KEYS.as_json_string(block)), '\\n"\n')
    d(f"SESSION_SECRET={D.hexstr(rng, 64)}\nFEATURE_FLAGS=checkout_v2,new_nav\n")
    return d


def docker_compose(rng):
    d = Doc()
    d(f"# docker-compose.yml\nversion: \"3.9\"\nservices:\n  api:\n    image: ghcr.io/{rng.choice(['acme', 'northwind', 'tidewell'])}/api:{D.version(rng).lstrip('v')}\n")
    d("    environment:\n")
    d("      - AWS_ACCESS_KEY_ID=", K.aws(rng), "\n")
    d(f"      - AWS_SECRET_ACCESS_KEY={_secret40(rng)}\n")
    if rng.random() < 0.8:
        d("      - GH_TOKEN=", K.gh(rng), "\n")
    d("      - ADMIN_EMAIL=", K.email(rng), "\n")
    d('    extra_hosts:\n      - "db.internal:', K.ip4(rng, "p10"), '"\n')
    if rng.random() < 0.5:
        d('      - "v6.internal:', K.ip6(rng, "short"), '"\n')
    d("    networks:\n      backend:\n        ipv4_address: ", K.ip4(rng, "p172"), "\n")
    if rng.random() < 0.4:
        d("        ipv6_address: ", K.ip6(rng, "short"), "\n")
    d("  worker:\n    image: ghcr.io/acme/worker@" + D.digest(rng) + "\n    environment:\n")
    d(f"      AWS_ACCESS_KEY_ID: {D.aws_placeholder(rng)}  # filled in by CI\n")
    d("      ALERT_SMS: \"", K.phone(rng), "\"\n")
    return d


def tfvars(rng):
    d = Doc()
    d(f"# terraform.tfvars — {F.fill(rng, 'ops')}\n")
    d('aws_access_key = "', K.aws(rng, temp=False), f'"\naws_secret_key = "{_secret40(rng)}"\n')
    d("allowed_cidrs  = [")
    for i in range(rng.randint(2, 4)):
        d(", " if i else "", '"', K.ip4(rng), f'/{rng.choice([32, 32, 24, 28])}"')
    d("]\n")
    if rng.random() < 0.6:
        d('vpc_ipv6_block = "', L("ipv6", rng.choice(["2600:1f18:", "2a05:d018:"]) + f"{rng.randint(0x100, 0xfff):x}:{rng.randint(0x1000, 0xff00):x}::"), '/56"\n')
    d('alert_email    = "', K.email(rng), '"\n')
    d('oncall_phone   = "', K.phone(rng), '"\n')
    if rng.random() < 0.6:
        d('github_token   = "', K.gh(rng), '"\n')
    if rng.random() < 0.6:
        d("tls_private_key = <<EOT\n", K.pkey(rng, rng.choice(["rsa1", "ec256", "pkcs8_rsa", "ec384"])), "\nEOT\n")
    d(f'ami_id = "ami-{D.hexstr(rng, 17)}"\nmodule_version = "{D.version(rng)}"\n')
    return d


def k8s_secret(rng):
    d = Doc()
    name = rng.choice(["payments-api", "edge-proxy", "ci-runner", "mailer"])
    d(f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: {rng.choice(['prod', 'staging', 'platform'])}\n"
      f"  annotations:\n    owner: \"{D.not_email(rng)}\"\ntype: Opaque\nstringData:\n")
    if rng.random() < 0.8:
        d("  AWS_ACCESS_KEY_ID: ", K.aws(rng), f"\n  AWS_SECRET_ACCESS_KEY: {_secret40(rng)}\n")
    if rng.random() < 0.7:
        d("  GITHUB_TOKEN: ", K.gh(rng), "\n")
    if rng.random() < 0.5:
        d("  SUPPORT_EMAIL: ", K.email(rng), "\n")
    if rng.random() < 0.3:
        d("  UPSTREAM_ADDR: \"[", K.ip6(rng), f"]:{rng.choice([443, 8443])}\"\n")
    key = rng.choice(["tls.key", "ssh-privatekey", "jwt.pem", "signing.key"])
    kind = "ossh_ed" if key == "ssh-privatekey" else rng.choice(["rsa1", "ec256", "pkcs8_rsa", "pkcs8_ed", "enc8"])
    d(f"  {key}: |\n    ", L("private_key", KEYS.indented(KEYS.private_key(rng, kind), "    ")), "\n")
    if rng.random() < 0.3:
        d("  ca.key: |\n    ", L("private_key", KEYS.indented(KEYS.private_key(rng, rng.choice(["ec256", "ec384", "pkcs8_ec"])), "    ")), "\n")
    if rng.random() < 0.5:
        d("  tls.crt: |\n    " + KEYS.indented(KEYS.certificate(rng), "    ") + "\n")
    d(f"data:\n  password: {base64.b64encode(D.hexstr(rng, 20).encode()).decode()}\n")
    return d


def aws_files(rng):
    d = Doc()
    form = rng.choice(["credentials", "console_csv", "create_key", "assume_role"])
    if form == "credentials":
        d("# ~/.aws/credentials\n")
        for prof in rng.sample(["default", "prod-admin", "billing-ro", "sandbox", "ci"], rng.randint(2, 4)):
            temp = rng.random() < 0.25
            d(f"[{prof}]\naws_access_key_id = ", K.aws(rng, temp), f"\naws_secret_access_key = {_secret40(rng)}\n")
            if temp:
                d(f"aws_session_token = IQoJb3JpZ2luX2Vj{base64.b64encode(bytes(rng.getrandbits(8) for _ in range(180))).decode()}\n")
            d("\n")
        d(f"[docs-example]\naws_access_key_id = {D.AWS_EXAMPLE}\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    elif form == "console_csv":
        if rng.random() < 0.5:
            d("Access key ID,Secret access key\n", K.aws(rng, False), f",{_secret40(rng)}\n")
        else:
            d("User name,Password,Access key ID,Secret access key,Console login link\n")
            for _ in range(rng.randint(1, 3)):
                d(f"{rng.choice(['deploy-bot', 'alice.ops', 'backup-svc'])},,", K.aws(rng, False),
                  f",{_secret40(rng)},https://{D.safe_number(rng, 12)}.signin.aws.amazon.com/console\n")
    elif form == "create_key":
        d("$ aws iam create-access-key --user-name ci-deployer\n")
        json_out(d, {"AccessKey": {"UserName": "ci-deployer", "AccessKeyId": K.aws(rng, False), "Status": "Active",
                                   "SecretAccessKey": _secret40(rng), "CreateDate": D.timestamp(rng)}}, indent=4)
        d("\n")
    else:
        d("$ aws sts assume-role --role-arn arn:aws:iam::" + D.safe_number(rng, 12) + ":role/Admin --role-session-name dbg\n")
        json_out(d, {"Credentials": {"AccessKeyId": K.aws(rng, True), "SecretAccessKey": _secret40(rng),
                                     "SessionToken": "FwoGZXIvYXdzE" + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(96))).decode(),
                                     "Expiration": D.timestamp(rng)},
                     "AssumedRoleUser": {"AssumedRoleId": "AROA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(17)) + ":dbg"}},
                 indent=4)
        d("\n")
    return d


def git_credentials(rng):
    d = Doc()
    d("# ~/.git-credentials\n" if rng.random() < 0.6 else "$ cat ~/.git-credentials\n")
    for _ in range(rng.randint(2, 5)):
        user = rng.choice(["alice", "oauth2", "x-access-token", "ci-bot", "bdelacroix", "git"])
        host = rng.choice(["github.com", "github.com", "github.example-corp.com"])
        if rng.random() < 0.8:
            d(f"https://{user}:", K.gh(rng), f"@{host}\n")
        else:
            d(f"https://{user}:{D.github_placeholder(rng)}@{host}\n")
    if rng.random() < 0.5:
        d(f"https://gitlab-ci-token:glpat-{D.hexstr(rng, 20)}@gitlab.com\n")
    if rng.random() < 0.4:
        d("\n# remote in .git/config\n[remote \"origin\"]\n\turl = https://", K.gh(rng, "ghp_"), "@github.com/acme/infra.git\n")
    return d


def service_account(rng):
    d = Doc()
    proj = f"{rng.choice(['acme', 'tidewell', 'zephyr'])}-{rng.choice(['prod', 'data', 'ml'])}-{rng.randint(100000, 999999)}"
    block = KEYS.private_key(rng, rng.choice(["pkcs8_rsa", "pkcs8_rsa", "pkcs8_ec"]))
    if rng.random() < 0.6:
        obj = {"type": "service_account", "project_id": proj, "private_key_id": D.hexstr(rng, 40),
               "private_key": L("private_key", KEYS.as_json_string(block)),
               "client_email": L("email", f"deployer@{proj}.iam.gserviceaccount.com"),
               "client_id": D.safe_number(rng, 21), "auth_uri": "https://accounts.google.com/o/oauth2/auth"}
        d("{\n")
        keys_ = list(obj)
        for i, k in enumerate(keys_):
            d(f'  "{k}": "')
            v = obj[k]
            # the escaped PEM ends with a literal \n inside the string, outside the label
            d(v, "\\n" if k == "private_key" else "")
            d('"' + ("," if i < len(keys_) - 1 else "") + "\n")
        d("}\n")
    else:
        d("{\n  \"tls\": {\n    \"cert\": \"" + KEYS.as_json_string(KEYS.certificate(rng)) + "\\n\",\n    \"key\": \"",
          L("private_key", KEYS.as_json_string(block)), "\\n\"\n  },\n  \"listen\": \"[")
        d(K.ip6(rng), "]:8443\",\n  \"admin\": \"", K.email(rng), "\"\n}\n")
    return d


def key_paste(rng):
    d = Doc()
    form = rng.choice(["shell", "ticket", "yaml"])
    if form == "shell":
        d(f"deploy@build-07:~$ cat ~/.ssh/id_{rng.choice(['ed25519', 'rsa', 'ecdsa'])}\n", K.pkey(rng, rng.choice(["ossh_ed", "ossh_ed", "ossh_rsa", "ossh_ed_enc"])), "\n")
        d("deploy@build-07:~$ cat ~/.ssh/id_ed25519.pub\n" + KEYS.ssh_public_line(rng, "deploy@build-07") + "\n")
        if rng.random() < 0.45:
            d("deploy@build-07:~$ cat ~/.ssh/deploy_key\n", K.pkey(rng, rng.choice(["ossh_ed", "rsa1", "ec256", "pkcs8_ed"]), max_chars=1800), "\n")
        d("deploy@build-07:~$ ssh -i ~/.ssh/id_ed25519 ops@", K.ip4(rng), "\n")
    elif form == "ticket":
        p = K.who(rng)
        d(f"Ticket OPS-{rng.randint(1000, 9999)} · reported by {p['name']} (", K.email(rng, p), ")\n\n")
        d(f"{F.fill(rng, 'ops')} The SFTP box at ", K.ip4(rng), " rejects the new key — pasting it here so someone can check the format:\n\n")
        d(K.pkey(rng), "\n\n")
        if rng.random() < 0.4:
            d("Also tried the bot token ", K.gh(rng), " and the key pair ", K.aws(rng), " — same error.\n")
        if rng.random() < 0.5:
            d("Public half for comparison:\n" + KEYS.public_key(rng) + "\n")
    else:
        d("# ansible group_vars/all/vault.yml (decrypted copy — do not commit)\nsftp_host: ", K.ip4(rng), "\nsftp_user: transfer\n")
        d("sftp_private_key: |\n  ", L("private_key", KEYS.indented(KEYS.private_key(rng, rng.choice(["rsa1", "ossh_ed", "ec256", "enc8"])), "  ")), "\n")
        if rng.random() < 0.4:
            d("backup_key: |\n  ", L("private_key", KEYS.indented(KEYS.private_key(rng, rng.choice(["ossh_ed", "ec384", "pkcs8_ec"])), "  ")), "\n")
        d("notify: ", K.email(rng), "\n")
    return d


def ci_vars(rng):
    """CI secrets as dumped by a debug step or an API listing."""
    d = Doc()
    if rng.random() < 0.5:
        d(f"# .gitlab-ci.yml variables (copied from Settings → CI/CD for {rng.choice(['infra', 'payments', 'web'])})\nvariables:\n")
        d("  AWS_ACCESS_KEY_ID: ", K.aws(rng, False), f"\n  AWS_SECRET_ACCESS_KEY: {_secret40(rng)}\n")
        if rng.random() < 0.5:
            d("  AWS_ACCESS_KEY_ID_DR: ", K.aws(rng, False), f"\n  AWS_SECRET_ACCESS_KEY_DR: {_secret40(rng)}\n")
        d("  RELEASE_BOT_TOKEN: ", K.gh(rng), "\n")
        d("  DEPLOY_HOST: ", K.ip4(rng), "\n")
        d("  SSH_PRIVATE_KEY: |\n    ", L("private_key", KEYS.indented(KEYS.private_key(rng, rng.choice(["ossh_ed", "rsa1", "ec256"])), "    ")), "\n")
    else:
        d("$ gh secret list --json name,updatedAt  # values pulled from the old Jenkins store\n")
        items = [{"name": "AWS_ACCESS_KEY_ID", "value": K.aws(rng)}, {"name": "AWS_SECRET_ACCESS_KEY", "value": _secret40(rng)},
                 {"name": "NOTIFY_EMAIL", "value": K.email(rng)}]
        if rng.random() < 0.6:
            # json_out escapes the newlines; the label lands on the escaped text
            items.append({"name": "DEPLOY_KEY", "value": K.pkey(rng, rng.choice(["ossh_ed", "pkcs8_ed", "ec256"]))})
        if rng.random() < 0.5:
            items.append({"name": "LEGACY_KEY_ID", "value": D.aws_placeholder(rng)})
        for it in items:
            it["updatedAt"] = D.timestamp(rng)
        json_out(d, items, indent=2)
        d("\n")
    return d


def tls_bundle(rng):
    """A server's PEM bundle: chain (not labelled) plus its private key."""
    d = Doc()
    cn = rng.choice(["api.internal", "edge.example.net", "mq.prod.local", "vpn.example.org"])
    d(f"# {cn}.pem — leaf, intermediate, key (haproxy wants them in one file)\n")
    d(KEYS.certificate(rng, cn=cn) + "\n")
    if rng.random() < 0.4:
        d(KEYS.certificate(rng, cn="Intermediate") + "\n")
    d(K.pkey(rng, rng.choice(["rsa1", "pkcs8_rsa", "ec256", "pkcs8_ec", "ec384"])), "\n")
    if rng.random() < 0.5:
        d("# bind ", K.ip4(rng, "p10"), ":443 and [", K.ip6(rng), "]:443; contact ", K.email(rng), "\n")
    return d


# ---------------------------------------------------- label-free configs
def cert_bundle(rng):
    """No labels: certificates, public keys, authorized_keys lines."""
    d = Doc()
    d(f"# {rng.choice(['ca-bundle.pem', 'trust store export', 'mTLS material (public parts only)'])}\n")
    for _ in range(rng.randint(1, 2)):
        d(f"# subject: CN={rng.choice(['api.internal', 'edge.example.net', 'Issuing CA'])}, fingerprint SHA256:{D.hexstr(rng, 64)}\n")
        d(KEYS.certificate(rng) + "\n")
    d(KEYS.public_key(rng) + "\n\n# authorized_keys\n")
    for u in rng.sample(["deploy@build-07", "jenkins@ci-runner-3", "root@localhost", "ops@bastion"], 2):
        d(KEYS.ssh_public_line(rng, u) + "\n")
    d(f"# policy OID {D.oid(rng)}; serial {D.hexstr(rng, 32)}\n")
    return d


def build_log(rng):
    """No labels: versions, digests, timestamps, placeholders."""
    d = Doc()
    for i in range(rng.randint(8, 16)):
        d(f"{D.timestamp(rng)} " + rng.choice([
            f"Step {i + 1}/16 : RUN pip install requests==2.31.0 urllib3=={D.version(rng).lstrip('v')}",
            f" ---> Using cache {D.digest(rng)}",
            f"npm WARN deprecated {D.not_email(rng)}: use a newer release",
            f"Resolved agent {D.version(rng)} from mirror build {D.not_ip(rng)}",
            f"Job {D.uuid(rng)} queued; runner {D.hexstr(rng, 8)}",
            f"WARNING: AWS_ACCESS_KEY_ID is {D.aws_placeholder(rng)} (docs example) — skipping upload",
            f"Set GITHUB_TOKEN={D.github_placeholder(rng)} to publish",
            f"Artifact size {rng.randint(1000, 999999)} bytes, {D.price(rng)} egress estimate",
        ]) + "\n")
    return d
