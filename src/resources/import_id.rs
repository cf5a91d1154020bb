//! Import IDs: `a/b/c` with a short form that takes the provider defaults.

/// Splits `id` into exactly one of the accepted part counts, refusing empty
/// parts. `forms` lists the accepted layouts for the error message.
pub fn split_import_id<'a>(
    id: &'a str,
    counts: &[usize],
    forms: &[&str],
) -> Result<Vec<&'a str>, String> {
    let parts: Vec<&str> = id.split('/').collect();
    if !counts.contains(&parts.len()) || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(format!(
            "The import ID {id:?} has the wrong shape; expected {}.",
            forms
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_the_listed_shapes() {
        let forms = ["tenant_id/realm_id/id", "id"];
        assert_eq!(
            split_import_id("a/b/c", &[3, 1], &forms).unwrap(),
            vec!["a", "b", "c"]
        );
        assert_eq!(split_import_id("c", &[3, 1], &forms).unwrap(), vec!["c"]);
        let err = split_import_id("a/b", &[3, 1], &forms).unwrap_err();
        assert!(err.contains("`tenant_id/realm_id/id` or `id`"), "{err}");
        assert!(split_import_id("a//c", &[3, 1], &forms).is_err());
        assert!(split_import_id("", &[3, 1], &forms).is_err());
    }
}
