//! `JSON.parse` without a reviver: the JSON text is deserialized straight into script values.
//!
//! The general path (kept for a reviver, which may ask for the source text of each value) wraps
//! the text in parentheses, parses it with the script parser, compiles and runs it: several
//! times the work, and the parser recurses on the native stack once per nesting level, so a
//! hundred nested arrays overflowed a small thread stack and aborted the process, while a
//! validation pass refused 128 levels and more. Here serde_json reads the text, without its
//! recursion limit: each nesting level goes through [`ValueSeed::deserialize`], which continues
//! on a new stack segment when the current one runs low, so any depth that fits in memory
//! parses.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::{
    Context, JsNativeError, JsObject, JsResult, JsString, JsValue, builtins::array::Array,
    property::PropertyDescriptor, vm::native_stack,
};

#[cfg(test)]
mod tests;

/// Parses `text` as a JSON text (ECMA-404) into a value, or throws a `SyntaxError`.
pub(super) fn parse(text: &str, context: &mut Context) -> JsResult<JsValue> {
    let value = read(serde_json::Deserializer::from_str(text), context)
        .map_err(|e| JsNativeError::syntax().with_message(e.to_string()))?;
    Ok(value)
}

/// Reads one JSON text from `de` into a value, without a nesting limit.
pub(crate) fn read<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    context: &mut Context,
) -> Result<JsValue, serde_json::Error> {
    de.disable_recursion_limit();
    let value = ValueSeed { context }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Builds the script value of one JSON value.
struct ValueSeed<'c> {
    context: &'c mut Context,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = JsValue;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<JsValue, D::Error> {
        native_stack::grow(|| deserializer.deserialize_any(self))
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = JsValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsValue, E> {
        Ok(JsValue::new(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsValue, E> {
        Ok(i32::try_from(v).map_or_else(|_| JsValue::new(v as f64), JsValue::new))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsValue, E> {
        Ok(i32::try_from(v).map_or_else(|_| JsValue::new(v as f64), JsValue::new))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsValue, E> {
        Ok(JsValue::new(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsValue, E> {
        Ok(JsString::from(v).into())
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsValue, E> {
        Ok(JsValue::null())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsValue, A::Error> {
        let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(ValueSeed {
            context: self.context,
        })? {
            elements.push(v);
        }
        Ok(Array::create_array_from_list(elements, self.context).into())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsValue, A::Error> {
        let object = JsObject::with_object_proto(self.context.intrinsics());
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(ValueSeed {
                context: self.context,
            })?;
            // CreateDataProperty: a later duplicate key replaces the earlier one, and
            // "__proto__" is an ordinary own property.
            object.borrow_mut().insert(
                key,
                PropertyDescriptor::builder()
                    .value(value)
                    .writable(true)
                    .enumerable(true)
                    .configurable(true),
            );
        }
        Ok(object.into())
    }
}

/// Reads an object key straight into a [`JsString`].
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = JsString;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<JsString, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = JsString;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsString, E> {
        Ok(JsString::from(v))
    }
}
