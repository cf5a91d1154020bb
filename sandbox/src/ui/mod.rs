//! What a person sees: the outbox of every link the sandbox "sent", and the
//! HTML pages those links open.

pub(crate) mod outbox;
pub(crate) mod page;
