//! gRPC on the embedded target: requests whose content type is `application/grpc` go to the
//! services of `protos/` (see [`super::grpc_services`]) or to server reflection, on the same
//! port as HTTP (h2c in plain text, ALPN `h2` over TLS).

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Either;
use http_body_util::combinators::UnsyncBoxBody;
use hyper::body::{Body, Frame, Incoming};
use hyper::header::HeaderMap;
use hyper::{Request, Response};
use tonic::Status;

use super::response::ResponseBody;

/// The protocol buffers the target serves, by the file names other files import them with.
pub(crate) const PROTOS: &[(&str, &str)] = &[
    (
        "route_guide.proto",
        include_str!("protos/route_guide.proto"),
    ),
    ("hello.proto", include_str!("protos/hello.proto")),
    ("testing.proto", include_str!("protos/testing.proto")),
];

/// Whether the request is a gRPC call (any `application/grpc` content subtype).
pub(crate) fn is_grpc(request: &Request<Incoming>) -> bool {
    request
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"))
}

/// Answers one gRPC call.
pub(crate) async fn serve(request: Request<Incoming>) -> Response<ResponseBody> {
    let response = match request.uri().path() {
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo" => reflection_v1(request).await,
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo" => {
            reflection_v1alpha(request).await
        }
        _ => return super::grpc_services::call(request).await,
    };
    with_trailers(response, HeaderMap::new())
}

/// The target's services and the well-known types they import, as an encoded
/// `FileDescriptorSet` (compiled once, for reflection).
fn descriptor_set() -> &'static [u8] {
    static SET: OnceLock<Vec<u8>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut resolver = protox::file::ChainFileResolver::new();
        resolver.add(EmbeddedProtos);
        resolver.add(protox::file::GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler.include_imports(true);
        let names = PROTOS.iter().map(|(name, _)| *name);
        // The files are part of rk6 and compiled in its tests: failing here is a bug in rk6.
        if let Err(e) = compiler.open_files(names) {
            unreachable!("the target's own protos do not compile: {e}");
        }
        compiler.encode_file_descriptor_set()
    })
}

/// Resolves the target's protos from the strings compiled into rk6.
struct EmbeddedProtos;

impl protox::file::FileResolver for EmbeddedProtos {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        match PROTOS.iter().find(|(n, _)| *n == name) {
            Some((_, source)) => protox::file::File::from_source(name, source),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// A built reflection service, type-erased: the builder returns an unnameable type.
type Reflection = Box<
    dyn Fn(Request<Incoming>) -> Pin<Box<dyn Future<Output = Response<tonic::body::Body>> + Send>>
        + Send
        + Sync,
>;

fn erase<S>(service: S) -> Reflection
where
    S: tower_service::Service<
            Request<Incoming>,
            Response = Response<tonic::body::Body>,
            Error = Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    Box::new(move |request| {
        let mut service = service.clone();
        Box::pin(async move {
            match service.call(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        })
    })
}

/// Reflection, built on first use: `build` picks the protocol version.
async fn reflection(
    service: &'static OnceLock<Result<Reflection, String>>,
    build: fn(tonic_reflection::server::Builder<'static>) -> Result<Reflection, String>,
    request: Request<Incoming>,
) -> Response<tonic::body::Body> {
    let service = service.get_or_init(|| {
        build(
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(descriptor_set()),
        )
    });
    match service {
        Ok(service) => service(request).await,
        Err(e) => Status::internal(e.clone()).into_http(),
    }
}

async fn reflection_v1(request: Request<Incoming>) -> Response<tonic::body::Body> {
    static SERVICE: OnceLock<Result<Reflection, String>> = OnceLock::new();
    reflection(
        &SERVICE,
        |b| b.build_v1().map(erase).map_err(|e| e.to_string()),
        request,
    )
    .await
}

async fn reflection_v1alpha(request: Request<Incoming>) -> Response<tonic::body::Body> {
    static SERVICE: OnceLock<Result<Reflection, String>> = OnceLock::new();
    let build = |b: tonic_reflection::server::Builder<'static>| {
        b.build_v1alpha().map(erase).map_err(|e| e.to_string())
    };
    reflection(&SERVICE, build, request).await
}

/// The target's response type for a gRPC response, with `trailers` added to the ones tonic
/// writes (tonic has no way to send custom trailers with a successful call).
pub(crate) fn with_trailers(
    response: Response<tonic::body::Body>,
    trailers: HeaderMap,
) -> Response<ResponseBody> {
    let (parts, body) = response.into_parts();
    let body = GrpcBody {
        inner: body,
        trailers: (!trailers.is_empty()).then_some(trailers),
    };
    Response::from_parts(parts, Either::Right(UnsyncBoxBody::new(body)))
}

/// A tonic response body as the target's body type. A tonic server reports a failed call in
/// its trailers, so a body error only means the connection is going away: it ends the body.
struct GrpcBody {
    inner: tonic::body::Body,
    trailers: Option<HeaderMap>,
}

impl Body for GrpcBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => Poll::Ready(None),
            Poll::Ready(Some(Ok(frame))) => {
                let frame = match frame.into_trailers() {
                    Ok(mut trailers) => {
                        if let Some(extra) = self.trailers.take() {
                            trailers.extend(extra);
                        }
                        Frame::trailers(trailers)
                    }
                    Err(frame) => frame,
                };
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}

/// A method handler: a closure as the tower service tonic's server takes, its reply wrapped
/// in a response.
pub(crate) struct Handler<M, F> {
    f: F,
    _message: PhantomData<fn(M)>,
}

impl<M, F> Handler<M, F> {
    pub(crate) fn new(f: F) -> Self {
        Handler {
            f,
            _message: PhantomData,
        }
    }
}

type Reply<R> = Pin<Box<dyn Future<Output = Result<tonic::Response<R>, Status>> + Send>>;

impl<M, F, Fut, R> tower_service::Service<tonic::Request<M>> for Handler<M, F>
where
    F: FnMut(tonic::Request<M>) -> Fut,
    Fut: Future<Output = Result<R, Status>> + Send + 'static,
{
    type Response = tonic::Response<R>;
    type Error = Status;
    type Future = Reply<R>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: tonic::Request<M>) -> Reply<R> {
        let reply = (self.f)(request);
        Box::pin(async move { reply.await.map(tonic::Response::new) })
    }
}

/// Request metadata the test service sends back (keys starting with `x-`), as response
/// headers and trailers.
pub(crate) fn echoed_metadata(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        if name.as_str().starts_with("x-") {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Adds `extra` to a response's headers.
pub(crate) fn add_headers(response: &mut Response<tonic::body::Body>, extra: &HeaderMap) {
    for (name, value) in extra {
        response.headers_mut().append(name.clone(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_protos_compile_with_their_imports() {
        let pool = prost_reflect::DescriptorPool::decode(descriptor_set()).expect("valid set");
        for service in [
            "main.FeatureExplorer",
            "main.RouteGuide",
            "hello.HelloService",
            "rk6.Testing",
        ] {
            assert!(pool.get_service_by_name(service).is_some(), "{service}");
        }
        assert!(
            pool.get_message_by_name("google.protobuf.Timestamp")
                .is_some()
        );
    }
}
