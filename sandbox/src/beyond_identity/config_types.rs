//! The `config` of an authenticator configuration: the spec's `oneOf`,
//! checked strictly (required fields, enums, no unknown fields).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::body::{from_value, join, FieldViolation};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Config {
    Embedded(Embedded),
    HostedWeb(HostedWeb),
    Console(Console),
    Platform(Platform),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConfigType {
    Embedded,
    HostedWeb,
    Console,
    Platform,
}

impl ConfigType {
    const ALL: [ConfigType; 4] = [
        ConfigType::Embedded,
        ConfigType::HostedWeb,
        ConfigType::Console,
        ConfigType::Platform,
    ];

    fn name(self) -> &'static str {
        match self {
            ConfigType::Embedded => "embedded",
            ConfigType::HostedWeb => "hosted_web",
            ConfigType::Console => "console",
            ConfigType::Platform => "platform",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Embedded {
    pub invoke_url: String,
    pub trusted_origins: Vec<String>,
    /// The spec's default, filled in as its response example shows.
    #[serde(default)]
    pub invocation_type: InvocationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_methods: Option<Vec<AuthenticationMethod>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum InvocationType {
    #[default]
    Automatic,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HostedWeb {
    pub authentication_methods: Vec<AuthenticationMethod>,
    pub trusted_origins: Vec<String>,
}

/// An object, `{"type": "software_passkey"}`, never a bare string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthenticationMethod {
    #[serde(rename = "type")]
    pub kind: AuthenticationMethodType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AuthenticationMethodType {
    EmailOneTimePassword,
    SoftwarePasskey,
    WebauthnPasskey,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Console {
    pub onboarding_configuration: OnboardingConfiguration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnboardingConfiguration {
    pub verification_method: VerificationMethod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum VerificationMethod {
    Idp { idp_id: uuid::Uuid },
    None {},
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Platform {
    /// `nullable: true` in the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roaming_auth_config: Option<RoamingAuthConfig>,
}

/// The spec lists `allow_unknow_user` as required while the property is
/// `allow_unknown_user`; the real API requires the property that exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoamingAuthConfig {
    pub enabled: bool,
    pub allow_unknown_user: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_source_ips: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_user_group_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_user_ids: Option<Vec<String>>,
}

impl Config {
    pub(crate) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Parses `value` (found at `field` in the request) as one of `allowed`.
    pub(crate) fn parse(
        value: Value,
        field: &str,
        allowed: &[ConfigType],
    ) -> Result<Config, FieldViolation> {
        let Value::Object(mut fields) = value else {
            return Err(FieldViolation::new(field, "must be an object"));
        };
        let type_field = join(field, "type");
        let kind = match fields.remove("type") {
            None => return Err(FieldViolation::new(type_field, "missing")),
            Some(Value::String(name)) => allowed.iter().copied().find(|t| t.name() == name),
            Some(_) => None,
        };
        let Some(kind) = kind else {
            let names: Vec<_> = allowed.iter().map(|t| t.name()).collect();
            return Err(FieldViolation::new(
                type_field,
                format!("must be one of {}", names.join(", ")),
            ));
        };
        let rest = Value::Object(fields);
        let config = match kind {
            ConfigType::Embedded => {
                let embedded: Embedded = from_value(rest, field)?;
                if embedded.invoke_url.is_empty() {
                    return Err(FieldViolation::new(
                        join(field, "invoke_url"),
                        "empty string",
                    ));
                }
                Config::Embedded(embedded)
            }
            ConfigType::HostedWeb => Config::HostedWeb(from_value(rest, field)?),
            ConfigType::Console => Config::Console(from_value(rest, field)?),
            ConfigType::Platform => Config::Platform(from_value(rest, field)?),
        };
        Ok(config)
    }

    pub(crate) fn parse_any(value: Value, field: &str) -> Result<Config, FieldViolation> {
        Self::parse(value, field, &ConfigType::ALL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<Config, FieldViolation> {
        Config::parse_any(v, "authenticator_config.config")
    }

    #[test]
    fn a_bare_hosted_web_config_is_rejected() {
        let err = parse(json!({"type": "hosted_web"})).unwrap_err();
        assert_eq!(err.description, "missing");
        assert!(
            err.field.starts_with("authenticator_config.config."),
            "{err:?}"
        );
    }

    #[test]
    fn authentication_methods_must_be_objects() {
        let err = parse(json!({
            "type": "hosted_web",
            "trusted_origins": [],
            "authentication_methods": ["software_passkey"],
        }))
        .unwrap_err();
        assert_eq!(
            err.field,
            "authenticator_config.config.authentication_methods[0]"
        );
    }

    #[test]
    fn embedded_gets_the_automatic_invocation_type() {
        let config = parse(json!({
            "type": "embedded",
            "invoke_url": "http://localhost:8092",
            "trusted_origins": ["http://localhost:8092"],
        }))
        .unwrap();
        assert_eq!(config.to_value()["invocation_type"], "automatic");
        assert_eq!(config.to_value()["type"], "embedded");
    }

    #[test]
    fn an_unknown_type_is_rejected() {
        let err = parse(json!({"type": "passkey"})).unwrap_err();
        assert_eq!(err.field, "authenticator_config.config.type");
    }

    #[test]
    fn roaming_auth_requires_the_property_that_exists() {
        let ok = parse(json!({
            "type": "platform",
            "roaming_auth_config": {"enabled": true, "allow_unknown_user": false},
        }));
        assert!(ok.is_ok(), "{ok:?}");
        let err = parse(json!({
            "type": "platform",
            "roaming_auth_config": {"enabled": true, "allow_unknow_user": false},
        }))
        .unwrap_err();
        assert_eq!(err.description, "unknown field");
    }

    #[test]
    fn console_verification_methods_follow_the_spec() {
        let ok = parse(json!({
            "type": "console",
            "onboarding_configuration": {"verification_method": {"type": "none"}},
        }));
        assert!(ok.is_ok(), "{ok:?}");
        let err = parse(json!({
            "type": "console",
            "onboarding_configuration": {"verification_method": {"type": "idp"}},
        }));
        assert!(err.is_err());
    }
}
