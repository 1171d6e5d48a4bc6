//! gRPC message codecs: requests go out already encoded (scripts' objects are turned into
//! protobuf on the VU thread, where their errors belong), responses come back as dynamic
//! messages of the method's output type.

use bytes::{Buf, BufMut, Bytes};
use prost::Message as _;
use prost_reflect::{DynamicMessage, MessageDescriptor};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// grpc-go's default limit on a received message (k6's `maxReceiveSize` default).
pub const DEFAULT_MAX_RECEIVE: usize = 4 * 1024 * 1024;

/// tonic starts every call with a buffer this size (its default, 8 KiB, is per call and per
/// direction: 16 KiB for each open stream of each VU).
const BUFFER_SIZE: usize = 1024;
const YIELD_THRESHOLD: usize = 32 * 1024;

fn buffer_settings() -> BufferSettings {
    BufferSettings::new(BUFFER_SIZE, YIELD_THRESHOLD)
}

/// Messages as their encoded bytes, both ways (the target's echo methods use it too).
#[derive(Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        buffer_settings()
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }

    fn buffer_settings(&self) -> BufferSettings {
        buffer_settings()
    }
}

/// A received message: decoded, or skipped (`discardResponseMessage`).
#[derive(Debug)]
pub enum Received {
    Message(DynamicMessage),
    Discarded,
}

/// Sends encoded requests, decodes responses as `output` (or discards them when `None`).
#[derive(Clone)]
pub struct DynamicCodec {
    output: Option<MessageDescriptor>,
    max_receive: usize,
}

impl DynamicCodec {
    pub fn new(output: Option<MessageDescriptor>, max_receive: usize) -> DynamicCodec {
        DynamicCodec {
            output,
            max_receive,
        }
    }
}

impl Codec for DynamicCodec {
    type Encode = Bytes;
    type Decode = Received;
    type Encoder = RawCodec;
    type Decoder = DynamicCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> DynamicCodec {
        self.clone()
    }
}

impl Decoder for DynamicCodec {
    type Item = Received;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Received>, Status> {
        // grpc-go's check and message (tonic's own limit is lifted, see `conn`).
        let len = src.remaining();
        if len > self.max_receive {
            return Err(Status::resource_exhausted(format!(
                "grpc: received message larger than max ({len} vs. {})",
                self.max_receive
            )));
        }
        let Some(desc) = &self.output else {
            src.advance(len);
            return Ok(Some(Received::Discarded));
        };
        let mut message = DynamicMessage::new(desc.clone());
        message.merge(src).map_err(|e| {
            Status::internal(format!(
                "grpc: failed to unmarshal the received message: {e}"
            ))
        })?;
        Ok(Some(Received::Message(message)))
    }

    fn buffer_settings(&self) -> BufferSettings {
        buffer_settings()
    }
}
