//! Text that must never reach a log: a redacting `Debug`, no `Display`,
//! wiped from memory when dropped.

use std::fmt;

use subtle::ConstantTimeEq as _;
use zeroize::Zeroize;

macro_rules! secret_text {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(String);

        /// Constant time, as every comparison of secrets here.
        impl PartialEq for $name {
            fn eq(&self, other: &$name) -> bool {
                self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
            }
        }

        impl Eq for $name {}

        impl $name {
            pub fn new(text: impl Into<String>) -> $name {
                $name(text.into())
            }

            /// The text itself, for the one place that needs it (a hash, a
            /// bind, an SMTP login, a response shown once).
            pub fn expose(&self) -> &str {
                &self.0
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> $name {
                $name(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> $name {
                $name(text.to_owned())
            }
        }
    };
}

secret_text! {
    /// A secret of the configuration: a directory bind password, an SMTP
    /// password.
    Secret
}

secret_text! {
    /// A password a person typed: hashed, checked against the policy or
    /// sent to a directory bind, never stored or logged.
    Password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2-bind");
        let p = Password::from("correct horse");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(p.expose(), "correct horse");
        assert!(!format!("{:?}", (s, p)).contains("horse"));
    }
}
