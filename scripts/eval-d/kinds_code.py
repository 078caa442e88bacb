"""Source code and configuration files with credentials in them."""
import values as val
from common import R, V, chance, digits, pick, weighted
from helpers import Company, Person


TECH_DOMAINS = ["pinewoodsoftware.io", "nordlicht-software.de", "datadijk.nl", "solnum.fr", "kodverket.se",
                "wislasoftware.pl", "softwareadriatico.it", "tejodigital.pt", "tecnoiberica.es", "acme-corp.com"]


def _secrets(asia=False):
    """One set of values a code file may use."""
    domain = pick(TECH_DOMAINS)
    return dict(
        aws=val.aws_key("ASIA" if asia else None),
        aws2=val.aws_key(),
        secret=val.aws_secret(),
        gh=val.github_token(),
        ip=val.ipv4("private"),
        pubip=val.ipv4("public"),
        ipv6=val.ipv6(),
        email=val.email(pick(["ops", "devops", "platform", "noreply", "alerts", "billing-bot"]), domain, caps=False),
        phone=Person(pick(["de", "nl", "fr", "en"]), "uk").phone,
        sha=val.hexstr(40),
        uuid=val.uuid4(),
        ver=val.version(),
        bad=val.github_token_bad_checksum(),
        ph=val.github_placeholder(),
    )


def _emit(d, sections, **kw):
    for s in sections:
        if s is None:
            continue
        d.t(s, **kw)


# -------------------------------------------------------------------- Python

def code_python(d, lang=None, region=None):
    s = _secrets()
    label = pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"])
    s["pem"] = val.private_key(label)
    s["pem_json"] = val.private_key(label, joiner="\\n")
    sec = [
        '#!/usr/bin/env python3\n"""Nightly export of open invoices to S3, plus a commit status on GitHub."""\n'
        "import json\nimport logging\nimport os\n\nimport boto3\nimport requests\n\nlog = logging.getLogger(__name__)\n\n",
        "# TODO(ops): move these to Secrets Manager before the audit\n"
        'AWS_ACCESS_KEY_ID = "⟦aws⟧"\nAWS_SECRET_ACCESS_KEY = "⟦secret⟧"\nBUCKET = "acme-finance-exports"\n',
        'GITHUB_TOKEN = os.environ.get("GITHUB_TOKEN", "⟦gh⟧")\n' if chance(0.8) else None,
        "DB_HOST = '⟦ip⟧'  # read replica\n" if chance(0.6) else None,
        'ALERT_EMAIL = "⟦email⟧"\n' if chance(0.5) else None,
        '\n# AWS documentation example, only used by the unit tests\nEXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
        if chance(0.5) else None,
        '# fails the checksum on purpose (see test_tokens.py)\nFAKE_TOKEN = "⟦bad⟧"\n' if chance(0.25) else None,
        '\nSIGNING_KEY = """⟦pem⟧\n"""\n' if chance(0.4) else
        ('\nSERVICE_ACCOUNT = {"type": "service_account", "private_key": "⟦pem_json⟧\\n",\n'
         '                   "client_email": "⟦email⟧"}\n' if chance(0.3) else None),
        "\n\ndef s3_client():\n    return boto3.client(\n        \"s3\",\n        aws_access_key_id=AWS_ACCESS_KEY_ID,\n"
        "        aws_secret_access_key=AWS_SECRET_ACCESS_KEY,\n        region_name=\"eu-central-1\",\n    )\n",
        "\n\ndef post_status(repo, sha, state):\n    r = requests.post(\n"
        "        f\"https://api.github.com/repos/{repo}/statuses/{sha}\",\n"
        "        headers={\"Authorization\": f\"token {GITHUB_TOKEN}\", \"Accept\": \"application/vnd.github+json\"},\n"
        "        json={\"state\": state, \"context\": \"nightly-export\"},\n        timeout=10,\n    )\n    r.raise_for_status()\n",
        "\n\nif __name__ == \"__main__\":\n    log.info(\"export %s starting (build ⟦sha⟧)\", \"⟦ver⟧\")\n",
    ]
    _emit(d, sec, **s)


# ---------------------------------------------------------------- JavaScript

def code_js(d, lang=None, region=None):
    s = _secrets()
    s["pem"] = val.private_key(pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"]))
    s["pub"] = val.public_pem()
    q = pick(["'", '"'])
    sec = [
        "'use strict';\n\n" if chance(0.5) else None,
        f"const AWS = require({q}aws-sdk{q});\nconst {{ Octokit }} = require({q}@octokit/rest{q});\n\n",
        f"AWS.config.update({{\n  accessKeyId: {q}⟦aws⟧{q},\n  secretAccessKey: {q}⟦secret⟧{q},\n  region: {q}eu-west-1{q},\n}});\n\n",
        f"const octokit = new Octokit({{ auth: {q}⟦gh⟧{q} }});\n" if chance(0.8) else
        f"const octokit = new Octokit({{ auth: process.env.GITHUB_TOKEN || {q}⟦ph⟧{q} }});\n",
        f"const API_BASE = {q}http://[⟦ipv6⟧]:3000/api{q};\n" if chance(0.5) else None,
        f"const REDIS_URL = {q}redis://⟦ip⟧:6379/0{q};\n" if chance(0.6) else None,
        f"const SUPPORT = {{ email: {q}⟦email⟧{q}, phone: {q}⟦phone⟧{q} }};\n" if chance(0.4) else None,
        "\nconst privateKey = `⟦pem⟧`;\n" if chance(0.55) else None,
        "// verification only, safe to publish\nconst publicKey = `⟦pub⟧`;\n" if chance(0.3) else None,
        f"\n// request id format: {val.uuid4()}\nmodule.exports = {{ octokit, API_VERSION: {q}⟦ver⟧{q} }};\n",
    ]
    _emit(d, sec, **s)


# ------------------------------------------------------------------------ Go

def code_go(d, lang=None, region=None):
    s = _secrets()
    s["pem"] = val.private_key(pick(["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]))
    sec = [
        "package storage\n\nimport (\n\t\"github.com/aws/aws-sdk-go/aws\"\n\t\"github.com/aws/aws-sdk-go/aws/credentials\"\n"
        "\t\"github.com/aws/aws-sdk-go/aws/session\"\n)\n\n",
        "// NewSession is only used by the integration tests.\nfunc NewSession() *session.Session {\n"
        "\treturn session.Must(session.NewSession(&aws.Config{\n\t\tRegion:      aws.String(\"eu-central-1\"),\n"
        "\t\tCredentials: credentials.NewStaticCredentials(\"⟦aws⟧\", \"⟦secret⟧\", \"\"),\n\t}))\n}\n\n",
        "const githubToken = \"⟦gh⟧\"\n" if chance(0.7) else None,
        "const metricsAddr = \"⟦ip⟧:9100\"\n" if chance(0.6) else None,
        "// docs example, never valid: AKIAIOSFODNN7EXAMPLE\n" if chance(0.4) else None,
        "\nvar deployKey = []byte(`⟦pem⟧\n`)\n" if chance(0.55) else None,
    ]
    _emit(d, sec, **s)


# ---------------------------------------------------------------------- Java

def code_java(d, lang=None, region=None):
    s = _secrets()
    s["pem_json"] = val.private_key(pick(["RSA PRIVATE KEY", "PRIVATE KEY"]), joiner="\\n")
    sec = [
        "package com.example.billing;\n\nimport com.amazonaws.auth.AWSStaticCredentialsProvider;\n"
        "import com.amazonaws.auth.BasicAWSCredentials;\nimport com.amazonaws.services.s3.AmazonS3;\n"
        "import com.amazonaws.services.s3.AmazonS3ClientBuilder;\n\npublic class S3Config {\n",
        "    private static final String ACCESS_KEY = \"⟦aws⟧\";\n    private static final String SECRET_KEY = \"⟦secret⟧\";\n",
        "    private static final String GH_TOKEN = \"⟦gh⟧\";\n" if chance(0.6) else None,
        "    private static final String SMTP_HOST = \"⟦ip⟧\";\n    private static final String SMTP_FROM = \"⟦email⟧\";\n"
        if chance(0.5) else None,
        "    private static final String PRIVATE_KEY = \"⟦pem_json⟧\";\n" if chance(0.55) else None,
        "\n    public AmazonS3 client() {\n        BasicAWSCredentials creds = new BasicAWSCredentials(ACCESS_KEY, SECRET_KEY);\n"
        "        return AmazonS3ClientBuilder.standard()\n                .withRegion(\"eu-west-1\")\n"
        "                .withCredentials(new AWSStaticCredentialsProvider(creds))\n                .build();\n    }\n}\n",
    ]
    _emit(d, sec, **s)


# ----------------------------------------------------------------- Terraform

def code_terraform(d, lang=None, region=None):
    s = _secrets()
    s["pem_ind"] = val.private_key(pick(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"]), joiner="\n    ")
    sec = [
        "terraform {\n  required_version = \">= 1.5.0\"\n}\n\n",
        "provider \"aws\" {\n  region     = \"eu-central-1\"\n  access_key = \"⟦aws⟧\"\n  secret_key = \"⟦secret⟧\"\n}\n\n",
        "provider \"github\" {\n  token = \"⟦gh⟧\"\n  owner = \"acme-corp\"\n}\n\n" if chance(0.6) else None,
        "resource \"aws_security_group_rule\" \"office_ssh\" {\n  type              = \"ingress\"\n  from_port         = 22\n"
        "  to_port           = 22\n  protocol          = \"tcp\"\n  cidr_blocks       = [\"⟦pubip⟧/32\"]\n"
        f"  security_group_id = \"sg-0{val.hexstr(16)}\"\n}}\n\n" if chance(0.6) else None,
        f"resource \"aws_instance\" \"bastion\" {{\n  ami           = \"ami-0{val.hexstr(16)}\"\n  instance_type = \"t3.micro\"\n"
        "  private_ip    = \"⟦ip⟧\"\n  tags = {\n    Owner = \"⟦email⟧\"\n  }\n}\n\n",
        "locals {\n  deploy_key = <<-EOT\n    ⟦pem_ind⟧\n  EOT\n}\n" if chance(0.55) else None,
    ]
    _emit(d, sec, **s)


# ---------------------------------------------------------------- Dockerfile

def code_dockerfile(d, lang=None, region=None):
    s = _secrets()
    s["pem_json"] = val.private_key(pick(["OPENSSH PRIVATE KEY", "RSA PRIVATE KEY"]), joiner="\\n")
    sec = [
        f"FROM python:3.{R.randint(10, 12)}-slim\n\n",
        "LABEL maintainer=\"⟦email⟧\"\n\n" if chance(0.6) else None,
        "ENV AWS_ACCESS_KEY_ID=⟦aws⟧ \\\n    AWS_SECRET_ACCESS_KEY=⟦secret⟧ \\\n    AWS_DEFAULT_REGION=eu-west-1\n",
        "ARG GH_TOKEN=⟦gh⟧\n" if chance(0.7) else None,
        "\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
        "RUN mkdir -p /root/.ssh && echo \"⟦pem_json⟧\" > /root/.ssh/id_deploy && chmod 600 /root/.ssh/id_deploy\n"
        if chance(0.55) else None,
        "COPY . .\nEXPOSE 8080\n",
        "HEALTHCHECK CMD curl -fsS http://⟦ip⟧:8080/health || exit 1\n" if chance(0.5) else None,
        "CMD [\"python\", \"-m\", \"app\"]\n",
    ]
    _emit(d, sec, **s)


# ------------------------------------------------------------ GitHub Actions

def code_gha(d, lang=None, region=None):
    s = _secrets()
    s["pem_ind"] = val.private_key(pick(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY"]), joiner="\n            ")
    same = chance(0.5)
    sec = [
        "name: deploy\n\non:\n  push:\n    branches: [main]\n  workflow_dispatch:\n\n",
        "env:\n  AWS_REGION: eu-central-1\n  AWS_ACCESS_KEY_ID: ⟦aws⟧\n\n",
        "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
        "      - name: Configure AWS credentials\n        uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        + ("          aws-access-key-id: ⟦aws⟧\n" if same else "          aws-access-key-id: ⟦aws2⟧\n")
        + "          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          aws-region: ${{ env.AWS_REGION }}\n",
        "      - name: Publish release\n        env:\n          GH_TOKEN: ⟦gh⟧\n"
        "        run: gh release create \"v${{ github.run_number }}\" --generate-notes\n" if chance(0.7) else
        "      - name: Publish release\n        env:\n          GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n"
        "        run: gh release create \"v${{ github.run_number }}\" --generate-notes\n",
        "      - name: Install deploy key\n        env:\n          SSH_KEY: |\n            ⟦pem_ind⟧\n"
        "        run: |\n          mkdir -p ~/.ssh\n          echo \"$SSH_KEY\" > ~/.ssh/id_rsa\n"
        "          ssh-keyscan ⟦pubip⟧ >> ~/.ssh/known_hosts\n" if chance(0.5) else None,
    ]
    _emit(d, sec, **s)


# --------------------------------------------------------------------- shell

def code_shell(d, lang=None, region=None):
    asia = chance(0.4)
    s = _secrets(asia=asia)
    s["pem"] = val.private_key(pick(["OPENSSH PRIVATE KEY", "RSA PRIVATE KEY"]))
    s["session"] = val.aws_session_token()
    sec = [
        "#!/usr/bin/env bash\n# restore.sh - pull last night's dump and restore it on the replica\nset -euo pipefail\n\n",
        "export AWS_ACCESS_KEY_ID=⟦aws⟧\nexport AWS_SECRET_ACCESS_KEY=⟦secret⟧\n",
        "export AWS_SESSION_TOKEN=⟦session⟧\n" if asia else None,
        "REPLICA=⟦ip⟧\n",
        "GH_TOKEN=\"⟦gh⟧\"\n" if chance(0.7) else "GH_TOKEN=\"${GH_TOKEN:-⟦ph⟧}\"\n",
        "\naws s3 cp \"s3://acme-db-dumps/$(date +%F).sql.gz\" /tmp/dump.sql.gz\n"
        "scp /tmp/dump.sql.gz \"deploy@${REPLICA}:/var/tmp/\"\n",
        "curl -sS -H \"Authorization: token ${GH_TOKEN}\" \\\n  -d '{\"body\":\"restore done\"}' \\\n"
        "  https://api.github.com/repos/acme/ops/issues/42/comments\n",
        "\n# notify on-call\necho \"restore finished\" | mail -s \"restore ok\" ⟦email⟧\n" if chance(0.5) else None,
        "\ncat > ~/.ssh/id_replica <<'EOF'\n⟦pem⟧\nEOF\nchmod 600 ~/.ssh/id_replica\n" if chance(0.5) else None,
    ]
    _emit(d, sec, **s)


# ----------------------------------------------------------- env / ini files

def code_env(d, lang=None, region=None):
    s = _secrets()
    if chance(0.5):
        sec = [
            "# .env.production - DO NOT COMMIT\nAPP_ENV=production\nAPP_URL=https://billing.example.com\n",
            "DB_HOST=⟦ip⟧\nDB_PORT=5432\n",
            f"DB_PASSWORD={val.aws_secret()[:18]}\n",
            "AWS_ACCESS_KEY_ID=⟦aws⟧\nAWS_SECRET_ACCESS_KEY=⟦secret⟧\n",
            "GITHUB_TOKEN=⟦gh⟧\n" if chance(0.8) else None,
            "MAIL_FROM=⟦email⟧\n",
            "SUPPORT_PHONE=\"⟦phone⟧\"\n" if chance(0.5) else None,
            "BUILD_SHA=⟦sha⟧\n",
        ]
        _emit(d, sec, **s)
        if chance(0.4):
            d.strip_final_newline()
    else:
        sec = [
            "[default]\naws_access_key_id = ⟦aws⟧\naws_secret_access_key = ⟦secret⟧\n\n",
            "[prod]\naws_access_key_id = ⟦aws2⟧\n" f"aws_secret_access_key = {val.aws_secret()}\nregion = eu-central-1\n\n",
            "[docs-example]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            f"aws_secret_access_key = {val.AWS_EXAMPLE_SECRET}\n" if chance(0.5) else None,
        ]
        _emit(d, sec, **s)


# ---------------------------------------------------------------------- JSON

def code_json(d, lang=None, region=None):
    s = _secrets()
    if chance(0.5):
        s["pem_json"] = val.private_key("PRIVATE KEY", joiner="\\n")
        proj = f"billing-prod-{digits(4, True)}"
        s["sa"] = val.email(pick(["billing-sync", "exporter", "ci-deployer"]), f"{proj}.iam.gserviceaccount.com", caps=False)
        sec = [
            "{\n  \"type\": \"service_account\",\n", f"  \"project_id\": \"{proj}\",\n",
            "  \"private_key_id\": \"⟦sha⟧\",\n",
            "  \"private_key\": \"⟦pem_json⟧\\n\",\n",
            "  \"client_email\": \"⟦sa⟧\",\n",
            f"  \"client_id\": \"1{digits(20)}\",\n",
            "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n",
            "  \"token_uri\": \"https://oauth2.googleapis.com/token\"\n}\n",
        ]
    else:
        sec = [
            "{\n  \"service\": \"invoice-sync\",\n  \"version\": \"⟦ver⟧\",\n",
            "  \"github\": { \"token\": \"⟦gh⟧\", \"repo\": \"acme/invoices\" },\n",
            "  \"aws\": {\n    \"accessKeyId\": \"⟦aws⟧\",\n    \"secretAccessKey\": \"⟦secret⟧\",\n    \"region\": \"eu-west-1\"\n  },\n",
            "  \"allowedIps\": [\"⟦ip⟧\", \"⟦pubip⟧\", \"⟦ipv6⟧\"],\n",
            "  \"admins\": [\"⟦email⟧\"],\n",
            "  \"instanceId\": \"⟦uuid⟧\"\n}",
        ]
    _emit(d, sec, **s)


# ---------------------------------------------------------------- Kubernetes

def code_k8s(d, lang=None, region=None):
    s = _secrets()
    s["pem_ind"] = val.private_key(pick(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"]), joiner="\n    ")
    s["cert"] = val.public_pem().replace("\n", "\n    ")
    sec = [
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: deploy-credentials\n  namespace: billing\n",
        "  annotations:\n    owner: ⟦email⟧\n" if chance(0.5) else None,
        "type: Opaque\nstringData:\n  AWS_ACCESS_KEY_ID: ⟦aws⟧\n  AWS_SECRET_ACCESS_KEY: \"⟦secret⟧\"\n",
        "  GITHUB_TOKEN: \"⟦gh⟧\"\n" if chance(0.7) else None,
        "  id_rsa: |\n    ⟦pem_ind⟧\n" if chance(0.55) else None,
        "  tls.crt: |\n    ⟦cert⟧\n" if chance(0.4) else None,
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: billing-api\nspec:\n  type: ClusterIP\n"
        "  externalIPs:\n    - ⟦pubip⟧\n  ports:\n    - port: 443\n      targetPort: 8443\n" if chance(0.5) else None,
    ]
    _emit(d, sec, **s)
