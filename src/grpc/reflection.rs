//! The client side of gRPC server reflection (`connect(addr, { reflect: true })`): the
//! server's services and the files describing them, with their imports, as a pool.
//!
//! Like grpc-go's `grpcreflect.NewClientAuto` (k6's), it asks `grpc.reflection.v1` first and
//! falls back to `v1alpha` on servers that only have the older one; both share a wire format.

use std::collections::{HashSet, VecDeque};

use bytes::Bytes;
use http::HeaderMap;
use http::uri::PathAndQuery;
use prost::Message as _;
use prost_reflect::DescriptorPool;
use tokio::sync::mpsc;
use tonic::metadata::MetadataMap;
use tonic::{Code, Status, Streaming};
use tonic_prost::ProstCodec;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

use super::conn::Grpc;

const V1: &str = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
const V1ALPHA: &str = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

/// One reflection stream: requests out, one response back for each.
struct Session {
    requests: mpsc::UnboundedSender<ServerReflectionRequest>,
    responses: Streaming<ServerReflectionResponse>,
}

impl Session {
    async fn open(
        grpc: &mut Grpc,
        path: &'static str,
        metadata: &HeaderMap,
    ) -> Result<Session, Status> {
        let (requests, rx) = mpsc::unbounded_channel();
        let outgoing =
            futures_lite::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|m| (m, rx)) },
            );
        let request = tonic::Request::from_parts(
            MetadataMap::from_headers(metadata.clone()),
            Default::default(),
            outgoing,
        );
        let codec = ProstCodec::<ServerReflectionRequest, ServerReflectionResponse>::default();
        // The first request goes out before the response headers are awaited: a server may
        // hold them back until it has a message to answer.
        let mut session_requests = requests.clone();
        ask_list(&mut session_requests)?;
        let response = grpc
            .streaming(request, PathAndQuery::from_static(path), codec)
            .await?;
        Ok(Session {
            requests,
            responses: response.into_inner(),
        })
    }

    async fn ask(&mut self, request: MessageRequest) -> Result<MessageResponse, Status> {
        self.requests
            .send(ServerReflectionRequest {
                host: String::new(),
                message_request: Some(request),
            })
            .map_err(|_| Status::unavailable("the reflection stream is closed"))?;
        self.answer().await
    }

    async fn answer(&mut self) -> Result<MessageResponse, Status> {
        match self.responses.message().await? {
            Some(ServerReflectionResponse {
                message_response: Some(r),
                ..
            }) => Ok(r),
            _ => Err(Status::internal("the reflection stream ended early")),
        }
    }
}

fn ask_list(requests: &mut mpsc::UnboundedSender<ServerReflectionRequest>) -> Result<(), Status> {
    requests
        .send(ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        })
        .map_err(|_| Status::unavailable("the reflection stream is closed"))
}

/// The server's services and everything they depend on. Errors are worded as k6's.
pub async fn reflect(grpc: &mut Grpc, metadata: &HeaderMap) -> Result<DescriptorPool, String> {
    let (mut session, listed) = match list(grpc, V1, metadata).await {
        Err(status) if status.code() == Code::Unimplemented => list(grpc, V1ALPHA, metadata).await,
        other => other,
    }
    .map_err(|s| format!("can't list services: {}", status_text(&s)))?;
    let mut files: Vec<prost_types::FileDescriptorProto> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for service in listed {
        let found = session
            .ask(MessageRequest::FileContainingSymbol(service.clone()))
            .await
            .and_then(file_protos)
            .map_err(|s| {
                format!(
                    "can't get method on service {service:?}: {}",
                    status_text(&s)
                )
            })?;
        let mut pending: VecDeque<prost_types::FileDescriptorProto> = found.into();
        while let Some(file) = pending.pop_front() {
            if !seen.insert(file.name().to_string()) {
                continue;
            }
            for dep in &file.dependency {
                if seen.contains(dep) || pending.iter().any(|f| f.name() == dep) {
                    continue;
                }
                // A dependency the server cannot give is left out, as k6 allows
                // (`AllowMissingFileDescriptors`); the pool reports it if it is needed.
                if let Ok(more) = session
                    .ask(MessageRequest::FileByFilename(dep.clone()))
                    .await
                    .and_then(file_protos)
                {
                    pending.extend(more);
                }
            }
            files.push(file);
        }
    }
    drop(session);
    DescriptorPool::from_file_descriptor_set(prost_types::FileDescriptorSet { file: files })
        .map_err(|e| format!("can't convert method info: {e}"))
}

async fn list(
    grpc: &mut Grpc,
    path: &'static str,
    metadata: &HeaderMap,
) -> Result<(Session, Vec<String>), Status> {
    let mut session = Session::open(grpc, path, metadata).await?;
    match session.answer().await? {
        MessageResponse::ListServicesResponse(list) => {
            let names = list.service.into_iter().map(|s| s.name).collect();
            Ok((session, names))
        }
        other => Err(unexpected(other)),
    }
}

fn file_protos(response: MessageResponse) -> Result<Vec<prost_types::FileDescriptorProto>, Status> {
    match response {
        MessageResponse::FileDescriptorResponse(r) => r
            .file_descriptor_proto
            .into_iter()
            .map(|bytes| {
                prost_types::FileDescriptorProto::decode(Bytes::from(bytes))
                    .map_err(|e| Status::internal(format!("invalid file descriptor: {e}")))
            })
            .collect(),
        other => Err(unexpected(other)),
    }
}

fn unexpected(response: MessageResponse) -> Status {
    match response {
        MessageResponse::ErrorResponse(e) => {
            Status::new(Code::from_i32(e.error_code), e.error_message)
        }
        _ => Status::internal("unexpected reflection response"),
    }
}

/// grpc-go's text of a status error.
fn status_text(s: &Status) -> String {
    format!(
        "rpc error: code = {} desc = {}",
        super::code_name(s.code() as i32),
        s.message()
    )
}
