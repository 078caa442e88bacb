//! Rtf text (in progress).

use crate::{Format, Location, Reason, Run};

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn rtf(&mut self, loc: &Location, _bytes: &[u8]) -> Result<(), E> {
        self.cx.incomplete(
            loc,
            Reason::Unsupported {
                format: Format::Rtf,
                detail: "not yet extracted".to_owned(),
            },
        );
        Ok(())
    }
}
