//! Injected failures: an error status, a lost response after the side effect
//! happened, a dropped connection, or a slow answer.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Answer `status` without doing anything.
    #[default]
    Before,
    /// Do the work (create the job, send the email), then answer `status`
    /// instead of the real response: the client never learns it succeeded.
    After,
    /// Close the connection without an HTTP response, doing nothing.
    DropBefore,
    /// Do the work, then close the connection without an HTTP response.
    DropAfter,
    /// Do the work only after `latency_ms`, whether or not the client is
    /// still waiting, then answer (`status`, or the real answer): a server
    /// still busy with a request the client gave up on, which finishes it
    /// later all the same.
    Late,
}

/// A rule that applies to the next `count` vendor requests it matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fault {
    /// Case-insensitive; any method when absent.
    pub method: Option<String>,
    /// Matched against the path without its query; any path when absent.
    pub path_contains: Option<String>,
    /// The status to answer with. Without one, `before`/`after` only add
    /// `latency_ms` and pass the real response through.
    pub status: Option<u16>,
    /// Sent as the `Retry-After` header; `"2"` and `2` are both accepted.
    #[serde(deserialize_with = "string_or_number")]
    pub retry_after: Option<String>,
    /// How many matching requests the rule applies to; `0` means every one
    /// until the faults are cleared.
    pub count: u32,
    /// How many matching requests pass untouched before the rule applies
    /// (e.g. `1`: the second matching request meets it).
    pub skip: u32,
    pub mode: FaultMode,
    /// Slept before answering: before the work for `before`/`drop_before`
    /// and `late`, after it for `after`/`drop_after` (a slow response to a
    /// done deed).
    pub latency_ms: u64,
    /// The body to answer with; the vendor's error format when absent.
    pub body: Option<serde_json::Value>,
}

impl Default for Fault {
    fn default() -> Self {
        Fault {
            method: None,
            path_contains: None,
            status: None,
            retry_after: None,
            count: 1,
            skip: 0,
            mode: FaultMode::Before,
            latency_ms: 0,
            body: None,
        }
    }
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        String(String),
        Number(u64),
    }
    Ok(Option::<Value>::deserialize(de)?.map(|v| match v {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
    }))
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Each rule with how many more requests it applies to (`None`: all)
    /// and how many it still lets pass first.
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    remaining: Option<u32>,
    to_skip: u32,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        let remaining = (fault.count > 0).then_some(fault.count);
        let to_skip = fault.skip;
        self.rules.push(Rule {
            fault,
            remaining,
            to_skip,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.rules.iter().map(|r| r.fault.clone()).collect()
    }

    /// The first rule that matches and skips no more, used up by one
    /// request; every matching rule still skipping counts it.
    pub(crate) fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let mut found = None;
        for (index, rule) in self.rules.iter_mut().enumerate() {
            if !rule.fault.matches(method, path) {
                continue;
            }
            if rule.to_skip > 0 {
                rule.to_skip -= 1;
                continue;
            }
            found = Some(index);
            break;
        }
        let index = found?;
        let rule = &mut self.rules[index];
        let fault = rule.fault.clone();
        if let Some(n) = &mut rule.remaining {
            *n -= 1;
            if *n == 0 {
                self.rules.remove(index);
            }
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_used_up_after_count_matches() {
        let mut faults = Faults::default();
        faults.add(Fault {
            path_contains: Some("jobs".into()),
            count: 2,
            ..Fault::default()
        });
        assert!(faults.take("POST", "/v1/other").is_none());
        assert!(faults.take("POST", "/v1/jobs").is_some());
        assert!(faults.take("GET", "/v1/jobs").is_some());
        assert!(faults.take("GET", "/v1/jobs").is_none());
    }

    #[test]
    fn a_rule_lets_skip_requests_pass_first() {
        let mut faults = Faults::default();
        faults.add(Fault {
            path_contains: Some("jobs".into()),
            skip: 2,
            ..Fault::default()
        });
        assert!(faults.take("GET", "/v1/jobs").is_none());
        assert!(faults.take("GET", "/v1/other").is_none());
        assert!(faults.take("GET", "/v1/jobs").is_none());
        assert!(faults.take("GET", "/v1/jobs").is_some());
        assert!(faults.take("GET", "/v1/jobs").is_none(), "used up");
    }

    #[test]
    fn retry_after_accepts_a_number_or_a_string() {
        let a: Fault = serde_json::from_str(r#"{"retry_after": 2}"#).unwrap();
        let b: Fault = serde_json::from_str(r#"{"retry_after": "2"}"#).unwrap();
        assert_eq!(a.retry_after.as_deref(), Some("2"));
        assert_eq!(a, b);
        assert_eq!(a.count, 1);
    }
}
