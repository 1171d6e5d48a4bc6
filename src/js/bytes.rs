//! Conversions between JS binary values (ArrayBuffer, typed arrays, DataView) and Rust bytes.

use boa_engine::object::builtins::{AlignedVec, JsArrayBuffer, JsDataView, JsTypedArray};
use boa_engine::{Context, JsResult, JsValue};

/// The bytes of an ArrayBuffer / typed array / DataView, or `None` for other values.
pub fn binary_bytes(v: &JsValue, ctx: &mut Context) -> JsResult<Option<Vec<u8>>> {
    let Some(obj) = v.as_object() else {
        return Ok(None);
    };
    if let Ok(buf) = JsArrayBuffer::from_object(obj.clone()) {
        return Ok(Some(buf.data().map(|d| d.to_vec()).unwrap_or_default()));
    }
    if let Ok(ta) = JsTypedArray::from_object(obj.clone()) {
        let buffer = ta.buffer(ctx)?;
        let offset = ta.byte_offset(ctx)?;
        let len = ta.byte_length(ctx)?;
        if let Some(bobj) = buffer.as_object()
            && let Ok(buf) = JsArrayBuffer::from_object(bobj.clone())
        {
            let data = buf.data().map(|d| d.to_vec()).unwrap_or_default();
            let end = (offset + len).min(data.len());
            return Ok(Some(data[offset.min(end)..end].to_vec()));
        }
        return Ok(Some(Vec::new()));
    }
    if let Ok(dv) = JsDataView::from_object(obj.clone()) {
        let buffer = dv.buffer(ctx)?;
        let offset = dv.byte_offset(ctx)? as usize;
        let len = dv.byte_length(ctx)? as usize;
        if let Some(bobj) = buffer.as_object()
            && let Ok(buf) = JsArrayBuffer::from_object(bobj.clone())
        {
            let data = buf.data().map(|d| d.to_vec()).unwrap_or_default();
            let end = (offset + len).min(data.len());
            return Ok(Some(data[offset.min(end)..end].to_vec()));
        }
    }
    Ok(None)
}

/// A new ArrayBuffer holding `bytes`.
pub fn array_buffer(bytes: &[u8], ctx: &mut Context) -> JsResult<JsValue> {
    let block = AlignedVec::from_iter(0, bytes.iter().copied());
    Ok(JsArrayBuffer::from_byte_block(block, ctx)?.into())
}
