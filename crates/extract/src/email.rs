//! Email text (in progress).

use crate::{Format, Location, Reason, Run};

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn email(&mut self, loc: &Location, _depth: u32, _bytes: &[u8]) -> Result<(), E> {
        self.cx.incomplete(
            loc,
            Reason::Unsupported {
                format: Format::Email,
                detail: "not yet extracted".to_owned(),
            },
        );
        Ok(())
    }
}
