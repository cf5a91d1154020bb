//! The vendors' published hosts, by Beyond Identity region and BindID
//! environment (the table in the product contract).

pub const REGIONS: [&str; 3] = ["us", "eu", "us-gov"];
pub const ENVIRONMENTS: [&str; 3] = ["sandbox", "production", "production-eu"];

/// (API host, auth host) of a Beyond Identity region.
pub fn region_hosts(region: &str) -> Option<(&'static str, &'static str)> {
    match region {
        "us" => Some((
            "https://api-us.beyondidentity.com",
            "https://auth-us.beyondidentity.com",
        )),
        "eu" => Some((
            "https://api-eu.beyondidentity.com",
            "https://auth-eu.beyondidentity.com",
        )),
        "us-gov" => Some((
            "https://api.us1.beyondidentity-gov.com",
            "https://auth.us1.beyondidentity-gov.com",
        )),
        _ => None,
    }
}

/// (management API host, token host) of a BindID environment.
pub fn environment_hosts(environment: &str) -> Option<(&'static str, &'static str)> {
    match environment {
        "sandbox" => Some((
            "https://admin.bindid-sandbox.io",
            "https://signin.bindid-sandbox.io",
        )),
        "production" => Some((
            "https://admin.bindid.io",
            "https://signin.identity.security",
        )),
        "production-eu" => Some((
            "https://admin.eu.bindid.io",
            "https://signin.eu.identity.security",
        )),
        _ => None,
    }
}
