//! The optional TLS listener: `tls_cert_file` (the certificate chain,
//! PEM, leaf first) and `tls_key_file` (its private key, PEM: PKCS#8,
//! PKCS#1 or SEC1) make `listen` speak HTTPS only. rustls with ring, TLS
//! 1.2 and 1.3, HTTP/1.1 (ALPN), no client certificates. The files are
//! read once at start; a change needs a restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Why the TLS listener cannot start: which file, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("`tls_cert_file` `{path}`: {message}")]
    Cert { path: PathBuf, message: String },
    #[error("`tls_key_file` `{path}`: {message}")]
    Key { path: PathBuf, message: String },
    #[error("`tls_cert_file` and `tls_key_file` do not go together: {0}")]
    Mismatch(String),
}

/// The acceptor for `cert` and `key`.
pub fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
    let cert_err = |message: String| TlsError::Cert {
        path: cert.to_owned(),
        message,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| cert_err(format!("cannot read a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(cert_err("holds no PEM certificate".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.to_owned(),
        message: format!("cannot read a PEM private key: {e}"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Mismatch(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Mismatch(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_garbage_files_say_which_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let gone = dir.path().join("gone.pem");
        let e = acceptor(&gone, &junk).err().unwrap().to_string();
        assert!(
            e.starts_with("`tls_cert_file` `") && e.contains("gone.pem"),
            "{e}"
        );
        let e = acceptor(&junk, &junk).err().unwrap().to_string();
        assert!(e.contains("holds no PEM certificate"), "{e}");
    }
}
