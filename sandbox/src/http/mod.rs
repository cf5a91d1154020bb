//! HTTP plumbing both vendors share: the server loop, the middleware around
//! every vendor request, strict request bodies, OAuth 2.0, the rate limit.

pub(crate) mod body;
pub(crate) mod oauth;
pub(crate) mod ratelimit;
pub(crate) mod server;
mod strict;
mod vendor;
