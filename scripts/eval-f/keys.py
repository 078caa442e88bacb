"""PEM private keys with structurally real bodies, plus public-key and
certificate look-alikes (hard negatives).

The bodies are random numbers inside the right ASN.1 / OpenSSH containers,
so they base64-decode to what a real key of that kind decodes to (right
lengths, right leading bytes such as MIIEow... / b3BlbnNzaC1rZXktdjE...),
without being usable keys.
"""
import base64
import struct

# ------------------------------------------------------------- tiny DER
def _len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + _len(len(body)) + body


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def integer(v):
    if isinstance(v, int):
        b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    else:
        b = v if v[0] < 0x80 else b"\x00" + v
    return tlv(0x02, b)


def octets(b):
    return tlv(0x04, b)


def bitstring(b):
    return tlv(0x03, b"\x00" + b)


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, out)


NULL = b"\x05\x00"
RSA_OID = "1.2.840.113549.1.1.1"
EC_OID = "1.2.840.10045.2.1"
CURVES = {"p256": ("1.2.840.10045.3.1.7", 32), "p384": ("1.3.132.0.34", 48),
          "k256": ("1.3.132.0.10", 32)}


def rbytes(rng, n, top=True):
    b = bytearray(rng.getrandbits(8) for _ in range(n))
    if top:
        b[0] |= 0x80
    return bytes(b)


def odd(b):
    return b[:-1] + bytes([b[-1] | 1])


# ------------------------------------------------------------ key bodies
def pkcs1_rsa(rng, bits=2048):
    n, h = bits // 8, bits // 16
    return seq(integer(0), integer(odd(rbytes(rng, n))), integer(65537),
               integer(rbytes(rng, n, top=False)), integer(odd(rbytes(rng, h))),
               integer(odd(rbytes(rng, h))), integer(rbytes(rng, h, top=False)),
               integer(rbytes(rng, h, top=False)), integer(rbytes(rng, h, top=False)))


def sec1_ec(rng, curve="p256", with_params=True):
    curve_oid, size = CURVES[curve]
    parts = [integer(1), octets(rbytes(rng, size, top=False))]
    if with_params:
        parts.append(tlv(0xA0, oid(curve_oid)))
    parts.append(tlv(0xA1, bitstring(b"\x04" + rbytes(rng, 2 * size, top=False))))
    return seq(*parts)


def pkcs8(rng, kind="rsa"):
    if kind == "rsa":
        return seq(integer(0), seq(oid(RSA_OID), NULL), octets(pkcs1_rsa(rng, 2048)))
    if kind == "ed25519":
        return seq(integer(0), seq(oid("1.3.101.112")), octets(octets(rbytes(rng, 32, top=False))))
    return seq(integer(0), seq(oid(EC_OID), oid(CURVES["p256"][0])),
               octets(sec1_ec(rng, "p256", with_params=False)))


def encrypted_pkcs8(rng, inner="rsa"):
    plain_len = len(pkcs8(rng, inner))
    ct = rbytes(rng, (plain_len // 16 + 1) * 16, top=False)
    kdf = seq(oid("1.2.840.113549.1.5.12"),
              seq(octets(rbytes(rng, rng.choice([8, 16]), top=False)), integer(rng.choice([2048, 10000, 600000])),
                  seq(oid("1.2.840.113549.2.9"), NULL)))
    enc = seq(oid("2.16.840.1.101.3.4.1.42"), octets(rbytes(rng, 16, top=False)))
    return seq(seq(oid("1.2.840.113549.1.5.13"), seq(kdf, enc)), octets(ct))


# ---------------------------------------------------------------- OpenSSH
def _s(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def _mpint(b):
    return _s(b if b[0] < 0x80 else b"\x00" + b)


def openssh(rng, kind="ed25519", encrypted=False):
    if kind == "ed25519":
        pk = rbytes(rng, 32, top=False)
        pub = _s("ssh-ed25519") + _s(pk)
        priv = _s("ssh-ed25519") + _s(pk) + _s(rbytes(rng, 32, top=False) + pk)
    else:
        n, e = odd(rbytes(rng, 256)), b"\x01\x00\x01"
        pub = _s("ssh-rsa") + _mpint(e) + _mpint(n)
        priv = (_s("ssh-rsa") + _mpint(n) + _mpint(e) + _mpint(rbytes(rng, 256, top=False))
                + _mpint(rbytes(rng, 128)) + _mpint(odd(rbytes(rng, 128))) + _mpint(odd(rbytes(rng, 128))))
    check = struct.pack(">I", rng.getrandbits(32)) * 2
    user = rng.choice(["deploy", "ci", "jenkins", "alex", "mpatel", "root", "svc-backup"])
    body = check + priv + _s(f"{user}@{rng.choice(['laptop', 'bastion-2', 'build', 'prod-db1'])}")
    block = 16 if encrypted else 8
    body += bytes(range(1, 1 + (-len(body)) % block))
    if encrypted:
        cipher, kdfname = "aes256-ctr", "bcrypt"
        kdfopts = _s(rbytes(rng, 16, top=False) + struct.pack(">I", 16))
        body = rbytes(rng, len(body), top=False)
    else:
        cipher, kdfname, kdfopts = "none", "none", b""
    return (b"openssh-key-v1\x00" + _s(cipher) + _s(kdfname) + _s(kdfopts)
            + struct.pack(">I", 1) + _s(pub) + _s(body))


# -------------------------------------------------------------------- PEM
def pem(label, der, width=64, headers=""):
    b64 = base64.b64encode(der).decode()
    lines = [b64[i:i + width] for i in range(0, len(b64), width)]
    return "\n".join([f"-----BEGIN {label}-----"] + ([headers] if headers else []) + lines
                     + [f"-----END {label}-----"])


PRIVATE_KINDS = [("rsa1", 9), ("rsa1_3072", 1), ("rsa1_legacy_enc", 1), ("pkcs8_rsa", 6),
                 ("pkcs8_ec", 2), ("pkcs8_ed", 2), ("ec256", 3), ("ec384", 1),
                 ("ossh_ed", 6), ("ossh_rsa", 1), ("ossh_ed_enc", 1), ("enc8", 3)]


def private_key(rng, kind=None, max_chars=None):
    """A whole PEM block with "\n" line ends.  max_chars drops to a smaller
    kind when the document has little room left."""
    kinds = [(k, w) for k, w in PRIVATE_KINDS]
    while True:
        kind_ = kind or rng.choices(*zip(*kinds))[0]
        text = _private(rng, kind_)
        if max_chars is None or len(text) <= max_chars:
            return text
        kind = None
        kinds = [("pkcs8_ed", 1), ("ec256", 2), ("ossh_ed", 2), ("pkcs8_ec", 1)]


def _private(rng, kind):
    if kind == "rsa1":
        return pem("RSA PRIVATE KEY", pkcs1_rsa(rng, 2048))
    if kind == "rsa1_3072":
        return pem("RSA PRIVATE KEY", pkcs1_rsa(rng, 3072))
    if kind == "rsa1_legacy_enc":
        iv = "".join(rng.choice("0123456789ABCDEF") for _ in range(32))
        ct = rbytes(rng, (len(pkcs1_rsa(rng, 2048)) // 16 + 1) * 16, top=False)
        return pem("RSA PRIVATE KEY", ct, headers=f"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,{iv}\n")
    if kind == "pkcs8_rsa":
        return pem("PRIVATE KEY", pkcs8(rng, "rsa"))
    if kind == "pkcs8_ec":
        return pem("PRIVATE KEY", pkcs8(rng, "ec"))
    if kind == "pkcs8_ed":
        return pem("PRIVATE KEY", pkcs8(rng, "ed25519"))
    if kind == "ec256":
        return pem("EC PRIVATE KEY", sec1_ec(rng, rng.choice(["p256", "p256", "k256"])))
    if kind == "ec384":
        return pem("EC PRIVATE KEY", sec1_ec(rng, "p384"))
    if kind == "ossh_ed":
        return pem("OPENSSH PRIVATE KEY", openssh(rng, "ed25519"), 70)
    if kind == "ossh_ed_enc":
        return pem("OPENSSH PRIVATE KEY", openssh(rng, "ed25519", encrypted=True), 70)
    if kind == "ossh_rsa":
        return pem("OPENSSH PRIVATE KEY", openssh(rng, "rsa"), 70)
    if kind == "enc8":
        return pem("ENCRYPTED PRIVATE KEY", encrypted_pkcs8(rng, rng.choice(["rsa", "rsa", "ec"])))
    raise ValueError(kind)


# ------------------------------------------------------ public look-alikes
def spki_rsa(rng, bits=2048):
    return seq(seq(oid(RSA_OID), NULL),
               bitstring(seq(integer(odd(rbytes(rng, bits // 8))), integer(65537))))


def _name(parts):
    ids = {"C": "2.5.4.6", "O": "2.5.4.10", "OU": "2.5.4.11", "CN": "2.5.4.3"}
    return seq(*[tlv(0x31, seq(oid(ids[k]), tlv(0x13 if k == "C" else 0x0C, v.encode())))
                 for k, v in parts])


def certificate(rng, cn="api.internal", org="Northwind Ops"):
    def utc(y):
        return tlv(0x17, f"{y % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                   f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}00Z".encode())
    sig_alg = seq(oid("1.2.840.113549.1.1.11"), NULL)
    year = rng.randint(2021, 2025)
    tbs = seq(tlv(0xA0, integer(2)), integer(rbytes(rng, 16, top=False)), sig_alg,
              _name([("C", "GB"), ("O", org), ("CN", f"{org} Issuing CA")]),
              seq(utc(year), utc(year + 1)),
              _name([("C", "GB"), ("O", org), ("CN", cn)]), spki_rsa(rng))
    return pem("CERTIFICATE", seq(tbs, sig_alg, bitstring(rbytes(rng, 256, top=False))))


def public_key(rng):
    kind = rng.choice(["spki", "spki", "rsa", "ec"])
    if kind == "spki":
        return pem("PUBLIC KEY", spki_rsa(rng))
    if kind == "rsa":
        return pem("RSA PUBLIC KEY", seq(integer(odd(rbytes(rng, 256))), integer(65537)))
    return pem("PUBLIC KEY", seq(seq(oid(EC_OID), oid(CURVES["p256"][0])),
                                 bitstring(b"\x04" + rbytes(rng, 64, top=False))))


def ssh_public_line(rng, comment):
    if rng.random() < 0.6:
        blob = _s("ssh-ed25519") + _s(rbytes(rng, 32, top=False))
        return "ssh-ed25519 " + base64.b64encode(blob).decode() + " " + comment
    blob = _s("ssh-rsa") + _mpint(b"\x01\x00\x01") + _mpint(odd(rbytes(rng, 256)))
    return "ssh-rsa " + base64.b64encode(blob).decode() + " " + comment


# --------------------------------------------------- placing a PEM block
def as_json_string(block):
    """PEM text as it appears inside a JSON/.env double-quoted string."""
    return block.replace("\n", "\\n")


def indented(block, indent):
    """PEM text as it appears in a YAML block scalar: every line after the
    first carries the indentation (the first is placed by the caller)."""
    return block.replace("\n", "\n" + indent)
