//! Builders that keep schema declarations one line per attribute.

use std::collections::HashMap;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};

fn attr(ty: AttributeType, constraint: AttributeConstraint, description: &str) -> Attribute {
    Attribute {
        attr_type: ty,
        description: Description::markdown(description),
        constraint,
        sensitive: false,
        deprecated: false,
    }
}

pub fn required(ty: AttributeType, description: &str) -> Attribute {
    attr(ty, AttributeConstraint::Required, description)
}

pub fn optional(ty: AttributeType, description: &str) -> Attribute {
    attr(ty, AttributeConstraint::Optional, description)
}

pub fn optional_computed(ty: AttributeType, description: &str) -> Attribute {
    attr(ty, AttributeConstraint::OptionalComputed, description)
}

pub fn computed(ty: AttributeType, description: &str) -> Attribute {
    attr(ty, AttributeConstraint::Computed, description)
}

pub fn sensitive(mut a: Attribute) -> Attribute {
    a.sensitive = true;
    a
}

pub fn string() -> AttributeType {
    AttributeType::String
}

pub fn boolean() -> AttributeType {
    AttributeType::Bool
}

pub fn number() -> AttributeType {
    AttributeType::Number
}

pub fn list_of_strings() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

pub fn map_of_strings() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

pub fn set_of_strings() -> AttributeType {
    AttributeType::Set(Box::new(AttributeType::String))
}

/// `list(object({...}))` whose fields are all strings: a read-only list of
/// records, in place of the nested attributes tf-provider 0.2.2 cannot send.
pub fn list_of_string_objects(fields: &[&str]) -> AttributeType {
    AttributeType::List(Box::new(AttributeType::Object(
        fields
            .iter()
            .map(|f| ((*f).to_owned(), AttributeType::String))
            .collect(),
    )))
}

pub fn block<const N: usize, const M: usize>(
    description: &str,
    attributes: [(&str, Attribute); N],
    blocks: [(&str, NestedBlock); M],
) -> Block {
    Block {
        version: 1,
        attributes: attributes
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<HashMap<_, _>>(),
        blocks: blocks
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<HashMap<_, _>>(),
        description: Description::markdown(description),
        deprecated: false,
    }
}

/// An optional block that appears at most once. Nested attribute types
/// (`AttributeSingle`) would be neater, but tf-provider 0.2.2 emits a schema
/// Terraform rejects for them ("Type and NestedType cannot both be set").
pub fn optional_block(b: Block) -> NestedBlock {
    NestedBlock::Optional(b)
}
