//! The record stage of Cordon: what a violation leaves behind, and the log
//! it is kept in until someone takes it.
//!
//! # The record
//!
//! A decision that objects to an event leaves one [`Incident`] per
//! violation: who did what (`username`, `action`), which rule of which
//! policy objected and in which mode, what the decision as a whole was (a
//! [`Verdict`](cordon_policy::model::Verdict), not a string), and
//! [`Details`] — the event itself (which carries classification counts,
//! never content), the violation, what was done about it
//! ([`ActionTaken`]), the rule's actions and trace, the exception keys a
//! justification would open, the [`MaskedFinding`]s of inspected content
//! and the [`IncompletePart`]s that could not be read and why. A record
//! holds masked values only: there is no field a full sensitive value
//! could go into.
//!
//! [`IncidentBuilder`] makes the records of one decision from (event,
//! decision, masked findings, incomplete parts, policy versions, request
//! id, time). It returns [`IncidentView`]s that borrow the event and the
//! decision, so the request path serializes each straight into the log
//! without copying a large event once per violation; [`Incident`] is the
//! same record owned, as a reader gets it back. Both have one JSON shape,
//! the one the server's journal has written from the start: logs written
//! before this crate existed read as records (tested with such a segment).
//!
//! # The log
//!
//! One log format serves every place that must keep records across a
//! crash until something else takes them: the server's incident journal
//! (taken by the database loader), the endpoint agent's offline spool
//! (taken when the server is back), an alert or SIEM outbox (taken by a
//! sink). It is deliberately small:
//!
//! - **Framing** ([`append_frame`], [`append_json`], [`read_frame`]): a
//!   record is `len: u32 LE`, `crc32: u32 LE` of the payload, the payload
//!   (any bytes; JSON for records). A reader tells a whole record from a
//!   torn one, a damaged one and an impossible length, and never allocates
//!   for a length over [`MAX_RECORD`], which writers refuse to exceed.
//! - **Segments** ([`segment_path`], [`Segments`]): files `<start>.log`
//!   named by the byte position (LSN) of their first record in the whole
//!   log, so a position names a record for good, across rotations.
//! - **Recovery** ([`recover`]): on start the last segment's torn tail (a
//!   crash in the middle of a write, never acknowledged) is cut off, and
//!   segments wholly before the consumer's position are deleted.
//! - **Positioned readers** ([`Reader`]): read from any position, in
//!   batches bounded by count and by bytes (memory stays bounded however
//!   large records are); damaged bytes are skipped to the next segment and
//!   counted, never handed out.
//! - **Ownership** ([`lock_dir`], [`log_id`]): one writer per directory
//!   (flock, released by the kernel when the process dies), and an id that
//!   consumers key their position by.
//!
//! What is not here, on purpose: where the consumer keeps its position
//! (the server keeps it in its database, in the same transaction as the
//! records it loads, which is what makes replay exact), group commit and
//! backpressure (the server's request path), and any knowledge of the
//! store or the server: the agent uses this crate without them.
//!
//! # Invariants
//!
//! - A record is read back exactly as written or not at all: a cut
//!   anywhere loses only records not wholly written, a flipped bit only
//!   the damaged record (property-tested).
//! - Nothing here panics on any bytes on disk.

mod frame;
mod incident;
mod log;

pub use frame::{
    Frame, FrameError, HEADER, MAX_RECORD, append_frame, append_json, read_frame, valid_prefix,
};
pub use incident::{
    ActionTaken, Details, DetailsView, EndpointStep, Incident, IncidentBuilder, IncidentView,
    IncompletePart, MaskedFinding, ShadowRef,
};
pub use log::{
    DirLock, LogError, Reader, Recovered, Segments, list_segments, lock_dir, log_id, recover,
    segment_path,
};
