//! A BindID activation as Terraform holds it: the `enroll_bindid_activation`
//! state, its blocks, and the send-activation body made from it.

use crate::api::bindid::{Activation, Alias, ChannelResult, CompletionLink, CompletionMessage};
use crate::schema::plan::{known, known_list, known_str};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tf_provider::value::{self, Value};

pub type List = Value<Vec<Value<String>>>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AliasBlock {
    #[serde(default, rename = "type")]
    pub kind: Value<String>,
    #[serde(default)]
    pub value: Value<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkBlock {
    #[serde(default)]
    pub redirect_uri: Value<String>,
    #[serde(default)]
    pub label: Value<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionMessageBlock {
    #[serde(default)]
    pub text: Value<String>,
    #[serde(default, with = "value::serde_as_vec")]
    pub link: Value<LinkBlock>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    #[serde(default)]
    pub channel_type: Value<String>,
    #[serde(default)]
    pub target: Value<String>,
    #[serde(default)]
    pub status: Value<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub user_email: Value<String>,
    #[serde(default)]
    pub client_id: Value<String>,
    #[serde(default)]
    pub verifications: List,
    #[serde(default)]
    pub scopes: List,
    #[serde(default)]
    pub confirmed_user: Value<bool>,
    #[serde(default, with = "value::serde_as_vec")]
    pub alias: Value<AliasBlock>,
    #[serde(default)]
    pub custom_message: Value<String>,
    #[serde(default)]
    pub secondary_completion_message: Value<String>,
    #[serde(default, with = "value::serde_as_vec")]
    pub completion_message: Value<CompletionMessageBlock>,
    #[serde(default)]
    pub link_validity: Value<String>,
    #[serde(default)]
    pub triggers: Value<BTreeMap<String, Value<String>>>,
    #[serde(default)]
    pub resend_when_expired: Value<bool>,
    #[serde(default)]
    pub status: Value<String>,
    #[serde(default)]
    pub sent_at: Value<String>,
    #[serde(default)]
    pub expire_time: Value<String>,
    #[serde(default)]
    pub channels: Value<Vec<Channel>>,
}

/// The request body, from a planned state whose inputs are all known.
pub fn to_api(s: &State, credentials_id: &str) -> Activation {
    let alias = known(&s.alias).map(|a| Alias {
        kind: known_str(&a.kind).unwrap_or_default().to_owned(),
        value: known(&a.value).cloned(),
    });
    let completion_message = known(&s.completion_message).map(|cm| CompletionMessage {
        text: known_str(&cm.text).unwrap_or_default().to_owned(),
        link: known(&cm.link).map(|l| CompletionLink {
            redirect_uri: known_str(&l.redirect_uri).unwrap_or_default().to_owned(),
            label: known_str(&l.label).unwrap_or_default().to_owned(),
        }),
    });
    Activation {
        client_id: known_str(&s.client_id).unwrap_or_default().to_owned(),
        credentials_id: credentials_id.to_owned(),
        verifications: known_list(&s.verifications).unwrap_or_default(),
        scopes: known_list(&s.scopes).unwrap_or_default(),
        user_email: known_str(&s.user_email).unwrap_or_default().to_owned(),
        confirmed_user: known(&s.confirmed_user).copied(),
        alias,
        custom_message: known(&s.custom_message).cloned(),
        secondary_completion_message: known(&s.secondary_completion_message).cloned(),
        completion_message,
    }
}

/// The per-channel results of an answer, as state.
pub fn channels(results: Vec<ChannelResult>) -> Value<Vec<Channel>> {
    Value::Value(
        results
            .into_iter()
            .map(|c| Channel {
                channel_type: Value::Value(c.channel_type),
                target: Value::Value(c.target),
                status: Value::Value(c.status),
            })
            .collect(),
    )
}
