//! `enroll_bindid_activation`: a Transmit BindID registration link, sent by
//! the Send Activation API. There is no API to read or recall an
//! activation: read keeps the state as it is, destroy only forgets.

use super::common::{attr, present};
use crate::api::bindid::ActivationAnswer;
use crate::clients::ProviderData;
use crate::models::bindid_activation::{channels, to_api, List, State};
use crate::schema::attrs::*;
use crate::schema::plan::{known, known_str, to_list};
use crate::schema::validate;
use crate::timefmt::rfc3339_micros;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub const VERIFICATIONS: [&str; 2] = ["ts.bindid.iac.email", "ts.bindid.iac.phone_number"];
pub const SCOPES: [&str; 2] = ["email", "phone"];
pub const ALIAS_TYPES: [&str; 3] = ["none", "email", "alias"];
/// The vendor's documented default link lifetime.
const DEFAULT_VALIDITY: &str = "30m";
const MAX_VALIDITY: std::time::Duration = std::time::Duration::from_secs(366 * 24 * 3600);

pub struct BindIdActivationResource {
    data: Arc<ProviderData>,
}

impl BindIdActivationResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn validate_list(diags: &mut Diagnostics, list: &List, name: &'static str, allowed: &[&str]) {
    if let Some(items) = known(list) {
        for (i, item) in items.iter().enumerate() {
            if let Some(v) = known_str(item) {
                if let Err(m) = validate::one_of(v, allowed) {
                    diags.error(
                        format!("Invalid {name} value"),
                        m,
                        attr(name).index(i as i64),
                    );
                }
            }
        }
    }
}

fn validate_config(diags: &mut Diagnostics, c: &State) {
    if let Some(e) = known_str(&c.user_email) {
        if let Err(m) = validate::email(e) {
            diags.error("Invalid user_email", m, attr("user_email"));
        }
    }
    if known_str(&c.client_id).is_some_and(|s| s.trim().is_empty()) {
        diags.error_short("client_id must not be empty", attr("client_id"));
    }
    validate_list(diags, &c.verifications, "verifications", &VERIFICATIONS);
    validate_list(diags, &c.scopes, "scopes", &SCOPES);
    // BindID requires an alias unless the user is explicitly unconfirmed.
    let confirmed = !matches!(c.confirmed_user, Value::Value(false));
    if confirmed && c.alias.is_null() && !c.confirmed_user.is_unknown() {
        diags.error(
            "Missing alias block",
            "BindID needs an `alias` block when `confirmed_user` is true or unset, e.g. `alias { type = \"email\" }`.",
            attr("alias"),
        );
    }
    if let Value::Value(a) = &c.alias {
        let at = |name: &'static str| attr("alias").index(0).attribute(name);
        match known_str(&a.kind) {
            Some(k) if validate::one_of(k, &ALIAS_TYPES).is_err() => {
                let m = validate::one_of(k, &ALIAS_TYPES).err().unwrap_or_default();
                diags.error("Invalid alias type", m, at("type"));
            }
            Some("alias") if a.value.is_null() => diags.error(
                "Missing alias value",
                "`value` is required when the alias `type` is \"alias\".",
                at("value"),
            ),
            Some(k) if k != "alias" && !a.value.is_null() => diags.error(
                "Unexpected alias value",
                format!("`value` is only used when the alias `type` is \"alias\" (it is {k:?}); remove it."),
                at("value"),
            ),
            _ => {}
        }
    }
    if let Value::Value(cm) = &c.completion_message {
        if let Value::Value(link) = &cm.link {
            if let Some(u) = known_str(&link.redirect_uri) {
                if let Err(m) = validate::absolute_url(u) {
                    diags.error(
                        "Invalid redirect_uri",
                        m,
                        attr("completion_message")
                            .index(0)
                            .attribute("link")
                            .index(0)
                            .attribute("redirect_uri"),
                    );
                }
            }
        }
    }
    if let Some(v) = known_str(&c.link_validity) {
        match validate::duration(v) {
            Err(m) => diags.error("Invalid link_validity", m, attr("link_validity")),
            // `expire_time` must stay a date: "100000y" would overflow it.
            Ok(d) if d > MAX_VALIDITY => diags.error(
                "Invalid link_validity",
                format!("{v:?} is longer than a year; BindID links live minutes to days"),
                attr("link_validity"),
            ),
            Ok(_) => {}
        }
    }
}

fn expired(expire_time: Option<&str>, now: OffsetDateTime) -> bool {
    expire_time
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .is_some_and(|t| t <= now)
}

/// Every channel's failure, as "email to a@example.com: failed".
fn failures(answer: &ActivationAnswer) -> Vec<String> {
    answer
        .activation_result
        .channels_result
        .iter()
        .filter(|c| c.status != "success")
        .map(|c| format!("{} to {}: {}", c.channel_type, c.target, c.status))
        .collect()
}

fn defaults(p: &mut State, config: &State) {
    if config.verifications.is_null() {
        p.verifications = to_list(&["ts.bindid.iac.email".to_owned()]);
    }
    if config.scopes.is_null() {
        p.scopes = Value::Value(vec![]);
    }
    if config.confirmed_user.is_null() {
        p.confirmed_user = Value::Value(true);
    }
    if config.link_validity.is_null() {
        p.link_validity = Value::Value(DEFAULT_VALIDITY.into());
    }
    if config.resend_when_expired.is_null() {
        p.resend_when_expired = Value::Value(false);
    }
}

fn channel_type() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::Object(HashMap::from([
        ("channel_type".to_owned(), AttributeType::String),
        ("target".to_owned(), AttributeType::String),
        ("status".to_owned(), AttributeType::String),
    ]))))
}

#[async_trait]
impl Resource for BindIdActivationResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let alias = block(
            "The alias BindID stores for the user once registered. Required when `confirmed_user` is true or unset.",
            [
                ("type", required(string(), "`none`, `email` (the alias is `user_email`) or `alias` (the alias is `value`).")),
                ("value", optional(string(), "The alias; required when `type` is `alias`, refused otherwise.")),
            ],
            [],
        );
        let link = block(
            "A link shown on the completion page.",
            [
                ("redirect_uri", required(string(), "Absolute URL of the link; it must be a redirect URI registered for the client in the BindID Admin Portal.")),
                ("label", required(string(), "Text of the link.")),
            ],
            [],
        );
        let completion = block(
            "Message (and optional link) shown after the user completes registration.",
            [(
                "text",
                required(string(), "Text shown on the completion page."),
            )],
            [("link", optional_block(link))],
        );
        Some(Schema {
            version: 1,
            block: block(
                "A Transmit BindID registration link sent with the Send Activation API. Creating the resource sends the link; every argument change sends a new one. No API reads or recalls an activation: refresh keeps the state as it is and destroy only removes it from state (a sent link cannot be recalled; it expires after `link_validity`).",
                [
                    ("id", computed(string(), "A UUID made by the provider when the link is sent (the API returns none).")),
                    ("user_email", required(string(), "Email address the link is sent to and the user registers with.")),
                    ("client_id", required(string(), "The BindID client the user registers to.")),
                    ("verifications", optional_computed(list_of_strings(), "Verifications required: `ts.bindid.iac.email`, `ts.bindid.iac.phone_number`. Defaults to `[\"ts.bindid.iac.email\"]`.")),
                    ("scopes", optional_computed(list_of_strings(), "Scopes required: `email`, `phone`. Defaults to an empty list.")),
                    ("confirmed_user", optional_computed(boolean(), "Whether the user's device is bound to the client after registering. Defaults to true, which requires an `alias` block.")),
                    ("custom_message", optional(string(), "Message shown to the user during the BindID flow.")),
                    ("secondary_completion_message", optional(string(), "Message shown on a mobile device during a desktop-to-mobile flow.")),
                    ("link_validity", optional_computed(string(), "How long the application's links live, as a duration such as `\"30m\"` (the vendor's default). Only used to compute `expire_time`; the lifetime itself is set in the BindID Admin Portal.")),
                    ("triggers", optional(map_of_strings(), "Arbitrary values whose change sends a new link.")),
                    ("resend_when_expired", optional_computed(boolean(), "When true, the plan replaces the activation (sending a new link) once `expire_time` has passed. Defaults to false.")),
                    ("status", computed(string(), "`success` when BindID accepted the link for every channel; `unknown` when the answer was lost and the link may or may not have been sent.")),
                    ("sent_at", computed(string(), "When the link was sent (RFC 3339).")),
                    ("expire_time", computed(string(), "When the link stops working: `sent_at` plus `link_validity` (RFC 3339).")),
                    ("channels", computed(channel_type(), "Per-channel results from `activationResult.channelsResult`: `channel_type`, `target` and `status`.")),
                ],
                [("alias", optional_block(alias)), ("completion_message", optional_block(completion))],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(c) = &config {
            validate_config(diags, c);
        }
        Some(())
    }

    /// Nothing to read back: the vendor has no such API.
    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((state, private))
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut p = present(diags, proposed)?;
        let config = present(diags, config)?;
        self.data.bindid(diags)?;
        defaults(&mut p, &config);
        for v in [&mut p.id, &mut p.status, &mut p.sent_at, &mut p.expire_time] {
            *v = Value::Unknown;
        }
        p.channels = Value::Unknown;
        Some((Value::Value(p), ValueEmpty::Null))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = present(diags, prior)?;
        let mut p = present(diags, proposed)?;
        let config = present(diags, config)?;
        defaults(&mut p, &config);
        // Every argument forces replacement: a changed link is a new link.
        let mut replace = Vec::new();
        let pairs: [(&'static str, bool); 13] = [
            ("user_email", prior.user_email != p.user_email),
            ("client_id", prior.client_id != p.client_id),
            ("verifications", prior.verifications != p.verifications),
            ("scopes", prior.scopes != p.scopes),
            ("confirmed_user", prior.confirmed_user != p.confirmed_user),
            ("alias", prior.alias != p.alias),
            ("custom_message", prior.custom_message != p.custom_message),
            (
                "secondary_completion_message",
                prior.secondary_completion_message != p.secondary_completion_message,
            ),
            (
                "completion_message",
                prior.completion_message != p.completion_message,
            ),
            ("link_validity", prior.link_validity != p.link_validity),
            ("triggers", prior.triggers != p.triggers),
            (
                "resend_when_expired",
                prior.resend_when_expired != p.resend_when_expired,
            ),
            ("id", false),
        ];
        for (name, changed) in pairs {
            if changed {
                replace.push(attr(name));
            }
        }
        if matches!(p.resend_when_expired, Value::Value(true))
            && expired(known_str(&prior.expire_time), OffsetDateTime::now_utc())
        {
            p.expire_time = Value::Unknown;
            replace.push(attr("expire_time"));
        }
        if !replace.is_empty() {
            self.data.bindid(diags)?;
        }
        Some((Value::Value(p), private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut s = present(diags, planned)?;
        let bindid = self.data.bindid(diags)?;
        let body = to_api(&s, bindid.api.credentials_id());
        let validity = known_str(&s.link_validity)
            .and_then(|v| validate::duration(v).ok())
            .unwrap_or(std::time::Duration::from_secs(30 * 60));
        let sent_at = OffsetDateTime::now_utc();
        s.id = Value::Value(uuid::Uuid::new_v4().to_string());
        s.sent_at = Value::Value(rfc3339_micros(sent_at));
        s.expire_time = match time::Duration::try_from(validity)
            .ok()
            .and_then(|v| sent_at.checked_add(v))
        {
            Some(t) => Value::Value(rfc3339_micros(t)),
            None => Value::Null,
        };
        match bindid.api.send_activation(&body).await {
            Ok(answer) => {
                let failed = failures(&answer);
                if answer.status != "success" || !failed.is_empty() {
                    diags.root_error(
                        format!("BindID did not send the link to {}", body.user_email),
                        format!(
                            "Send Activation answered status {:?}{}. Nothing was stored; fix the cause and apply again.",
                            answer.status,
                            if failed.is_empty() { String::new() } else { format!("; failed channels: {}", failed.join(", ")) }
                        ),
                    );
                    return None;
                }
                s.status = Value::Value(answer.status.clone());
                s.channels = channels(answer.activation_result.channels_result);
                Some((Value::Value(s), ValueEmpty::Null))
            }
            // The request may have reached BindID and the email may be on
            // its way; there is no API to check. Sending again could email
            // the user twice, so record it and say so.
            Err(e) if e.ambiguous() => {
                s.status = Value::Value("unknown".into());
                s.channels = Value::Value(vec![]);
                diags.root_warning(
                    format!("The BindID link to {} may have been sent", body.user_email),
                    format!(
                        "{e}\nThe answer was lost, so the provider cannot tell whether BindID sent the link; it is recorded with status \"unknown\" and not sent again. \
                         If the user did not receive it, send a new one with `terraform apply -replace=<address of this resource>`."
                    ),
                );
                Some((Value::Value(s), ValueEmpty::Null))
            }
            Err(e) if e.status() == Some(401) => {
                diags.root_error(
                    "BindID refused the token",
                    format!(
                        "{e}\nThe token was refused or belongs to another credentials id than `credentials_id` ({}), even after fetching a fresh one. Check `credentials_id` and `credentials_secret` (or `access_token`).",
                        bindid.api.credentials_id()
                    ),
                );
                None
            }
            Err(e) => {
                diags.root_error(
                    format!("Cannot send the BindID link to {}", body.user_email),
                    e.detail(),
                );
                None
            }
        }
    }

    /// Never called: every argument forces replacement. Kept total.
    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let planned = present(diags, planned)?;
        Some((Value::Value(planned), private))
    }

    /// A sent link cannot be recalled; destroy only forgets it.
    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        Some(())
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        _id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        diags.root_error(
            "enroll_bindid_activation cannot be imported",
            "BindID has no API to read an activation back, so there is nothing to import. Declare the resource to send a new link.",
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::bindid_activation::{AliasBlock, CompletionMessageBlock, LinkBlock};

    fn base() -> State {
        State {
            user_email: Value::Value("a@example.com".into()),
            client_id: Value::Value("c".into()),
            alias: Value::Value(AliasBlock {
                kind: Value::Value("email".into()),
                value: Value::Null,
            }),
            ..Default::default()
        }
    }

    fn errors(c: &State) -> Vec<String> {
        let mut d = Diagnostics::default();
        validate_config(&mut d, c);
        d.errors.iter().map(|e| e.attribute.to_string()).collect()
    }

    #[test]
    fn a_minimal_activation_is_valid() {
        assert!(errors(&base()).is_empty());
    }

    #[test]
    fn alias_is_required_unless_unconfirmed() {
        let mut c = base();
        c.alias = Value::Null;
        assert_eq!(errors(&c).len(), 1);
        c.confirmed_user = Value::Value(false);
        assert!(errors(&c).is_empty());
    }

    #[test]
    fn alias_value_goes_with_type_alias_only() {
        let mut c = base();
        c.alias = Value::Value(AliasBlock {
            kind: Value::Value("alias".into()),
            value: Value::Null,
        });
        assert_eq!(errors(&c).len(), 1);
        c.alias = Value::Value(AliasBlock {
            kind: Value::Value("email".into()),
            value: Value::Value("x".into()),
        });
        assert_eq!(errors(&c).len(), 1);
    }

    #[test]
    fn enums_emails_urls_and_durations_are_checked() {
        let mut c = base();
        c.user_email = Value::Value("nobody".into());
        c.verifications = to_list(&["ts.bindid.iac.sms".to_owned()]);
        c.scopes = to_list(&["address".to_owned()]);
        c.link_validity = Value::Value("0s".into());
        c.completion_message = Value::Value(CompletionMessageBlock {
            text: Value::Value("hi".into()),
            link: Value::Value(LinkBlock {
                redirect_uri: Value::Value("/home".into()),
                label: Value::Value("Home".into()),
            }),
        });
        assert_eq!(errors(&c).len(), 5, "{:?}", errors(&c));
    }

    #[test]
    fn body_omits_what_is_not_set() {
        let mut s = base();
        defaults(&mut s, &base());
        let v = serde_json::to_value(to_api(&s, "k")).unwrap();
        assert_eq!(
            v["verifications"],
            serde_json::json!(["ts.bindid.iac.email"])
        );
        assert_eq!(v["confirmedUser"], true);
        assert!(v.get("customMessage").is_none());
        assert!(v.get("completionMessage").is_none());
    }
}
