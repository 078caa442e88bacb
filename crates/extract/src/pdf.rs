//! Pdf text (in progress).

use crate::{Format, Location, Reason, Run};

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn pdf(&mut self, loc: &Location, _bytes: &[u8]) -> Result<(), E> {
        self.cx.incomplete(
            loc,
            Reason::Unsupported {
                format: Format::Pdf,
                detail: "not yet extracted".to_owned(),
            },
        );
        Ok(())
    }
}
