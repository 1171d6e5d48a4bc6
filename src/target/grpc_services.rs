//! The target's gRPC services (`protos/`): the route guide of k6's examples, grpcbin's
//! `hello.HelloService`, and `rk6.Testing`. Every answer is deterministic: unlike the Go
//! example server, GetFeature and ListFeatures do not sleep, and RouteChat remembers notes per
//! stream rather than across all clients.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use futures_lite::{Stream, StreamExt, stream};
use hyper::body::Incoming;
use hyper::{Request, Response};
use tonic::{Code, Status, Streaming};
use tonic_prost::ProstCodec;

use super::grpc::{Handler, add_headers, echoed_metadata, with_trailers};
use super::response::ResponseBody;
use crate::grpc::codec::RawCodec;

type Boxed<T> = std::pin::Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

// ---- messages (field numbers as in protos/*.proto) -------------------------------------------

#[derive(Clone, Copy, PartialEq, prost::Message)]
struct Point {
    #[prost(int32, tag = "1")]
    latitude: i32,
    #[prost(int32, tag = "2")]
    longitude: i32,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
struct Rectangle {
    #[prost(message, optional, tag = "1")]
    lo: Option<Point>,
    #[prost(message, optional, tag = "2")]
    hi: Option<Point>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Feature {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    location: Option<Point>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RouteNote {
    #[prost(message, optional, tag = "1")]
    location: Option<Point>,
    #[prost(string, tag = "2")]
    message: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct RouteSummary {
    #[prost(int32, tag = "1")]
    point_count: i32,
    #[prost(int32, tag = "2")]
    feature_count: i32,
    #[prost(int32, tag = "3")]
    distance: i32,
    #[prost(int32, tag = "4")]
    elapsed_time: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct HelloRequest {
    #[prost(string, optional, tag = "1")]
    greeting: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct HelloResponse {
    #[prost(string, required, tag = "1")]
    reply: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Failure {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(int32, tag = "3")]
    delay_ms: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct CountRequest {
    #[prost(int32, tag = "1")]
    count: i32,
    #[prost(int32, tag = "2")]
    interval_ms: i32,
    #[prost(message, optional, tag = "3")]
    end: Option<Failure>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Counted {
    #[prost(int32, tag = "1")]
    index: i32,
    #[prost(string, tag = "2")]
    text: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Number {
    #[prost(int64, tag = "1")]
    value: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Total {
    #[prost(int64, tag = "1")]
    sum: i64,
    #[prost(int32, tag = "2")]
    count: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Empty {}

// ---- dispatch --------------------------------------------------------------------------------

/// Calls the method the request's path names (Unimplemented for any other).
pub(crate) async fn call(request: Request<Incoming>) -> Response<ResponseBody> {
    let echoed = echoed_metadata(request.headers());
    let path = request.uri().path().to_owned();
    let mut response = match path.as_str() {
        "/main.FeatureExplorer/GetFeature" => {
            unary(request, |r| async move { Ok(get_feature(r.into_inner())) }).await
        }
        "/main.FeatureExplorer/ListFeatures" => {
            server_streaming(request, |r| async move { list_features(r.into_inner()) }).await
        }
        "/main.RouteGuide/RecordRoute" => {
            client_streaming(request, |r| record_route(r.into_inner())).await
        }
        "/main.RouteGuide/RouteChat" => {
            streaming(request, |r| async move { route_chat(r.into_inner()) }).await
        }
        "/hello.HelloService/SayHello" => {
            unary(request, |r| async move { Ok(hello(&r.into_inner())) }).await
        }
        "/hello.HelloService/LotsOfReplies" => {
            server_streaming(request, |r| async move {
                let reply = hello(&r.into_inner());
                Ok(stream::iter(std::iter::repeat_n(Ok(reply), 10)).boxed())
            })
            .await
        }
        "/hello.HelloService/LotsOfGreetings" => {
            client_streaming(request, |r| lots_of_greetings(r.into_inner())).await
        }
        "/hello.HelloService/BidiHello" => {
            streaming(request, |r| async move {
                Ok(r.into_inner()
                    .map(|m: Result<HelloRequest, Status>| m.map(|m| hello(&m)))
                    .boxed())
            })
            .await
        }
        "/rk6.Testing/Echo" => {
            let mut grpc = tonic::server::Grpc::new(RawCodec);
            let handler =
                Handler::new(|r: tonic::Request<bytes::Bytes>| async move { Ok(r.into_inner()) });
            grpc.unary(handler, request).await
        }
        "/rk6.Testing/Fail" => unary(request, |r| fail(r.into_inner())).await,
        "/rk6.Testing/Count" => {
            server_streaming(request, |r| async move { count(r.into_inner()) }).await
        }
        "/rk6.Testing/Sum" => client_streaming(request, |r| sum(r.into_inner())).await,
        "/rk6.Testing/Chat" => {
            let mut grpc = tonic::server::Grpc::new(RawCodec);
            let handler = Handler::new(|r: tonic::Request<Streaming<bytes::Bytes>>| async move {
                Ok(r.into_inner())
            });
            grpc.streaming(handler, request).await
        }
        _ => Status::unimplemented(format!("unknown method {path} on the rk6 target")).into_http(),
    };
    if path.starts_with("/rk6.Testing/") {
        add_headers(&mut response, &echoed);
        return with_trailers(response, echoed);
    }
    with_trailers(response, Default::default())
}

/// The four kinds of method, each a handler over prost messages: `$request` what the
/// handler takes, `$reply` what it answers with.
macro_rules! method_kind {
    ($name:ident, $request:ty, $reply:ty) => {
        async fn $name<Q, A, F, Fut>(
            request: Request<Incoming>,
            f: F,
        ) -> Response<tonic::body::Body>
        where
            Q: prost::Message + Default + Send + 'static,
            A: prost::Message + Send + 'static,
            F: FnMut(tonic::Request<$request>) -> Fut + Send + 'static,
            Fut: Future<Output = Result<$reply, Status>> + Send + 'static,
        {
            tonic::server::Grpc::new(ProstCodec::<A, Q>::default())
                .$name(Handler::new(f), request)
                .await
        }
    };
}

method_kind!(unary, Q, A);
method_kind!(server_streaming, Q, Boxed<A>);
method_kind!(client_streaming, Streaming<Q>, A);
method_kind!(streaming, Streaming<Q>, Boxed<A>);

// ---- route guide -----------------------------------------------------------------------------

/// The named places the route guide knows (E7 coordinates; one deliberately unnamed, as in
/// gRPC's example data). The first ten are the points k6's client-streaming example visits.
const FEATURES: &[(&str, i32, i32)] = &[
    ("Patriots Path trailhead", 407838351, -746143763),
    ("Whippany river crossing", 408122808, -743999179),
    ("Shohola bridge", 413628156, -749015468),
    ("Kingston mill", 419999544, -740371136),
    ("New Hampton orchard", 414008389, -743951297),
    ("Livingston Manor falls", 419611318, -746524769),
    ("Tremley Point pier", 406109563, -742186778),
    ("Wallkill farm stand", 416802456, -742370183),
    ("Harriman station", 412950425, -741077389),
    ("Hewitt lake shore", 412144655, -743949739),
    ("Newton town green", 410248224, -747127767),
    ("", 400273442, -741220915),
];

fn feature_at(p: Point) -> Option<Feature> {
    FEATURES
        .iter()
        .find(|(_, lat, lng)| *lat == p.latitude && *lng == p.longitude)
        .map(|(name, _, _)| Feature {
            name: (*name).to_string(),
            location: Some(p),
        })
}

fn get_feature(p: Point) -> Feature {
    feature_at(p).unwrap_or(Feature {
        name: String::new(),
        location: Some(p),
    })
}

fn in_range(p: Point, rect: Rectangle) -> bool {
    let (lo, hi) = (rect.lo.unwrap_or_default(), rect.hi.unwrap_or_default());
    let (west, east) = (
        lo.longitude.min(hi.longitude),
        lo.longitude.max(hi.longitude),
    );
    let (south, north) = (lo.latitude.min(hi.latitude), lo.latitude.max(hi.latitude));
    (west..=east).contains(&p.longitude) && (south..=north).contains(&p.latitude)
}

fn list_features(rect: Rectangle) -> Result<Boxed<Feature>, Status> {
    let found: Vec<Result<Feature, Status>> = FEATURES
        .iter()
        .map(|(name, lat, lng)| Feature {
            name: (*name).to_string(),
            location: Some(Point {
                latitude: *lat,
                longitude: *lng,
            }),
        })
        .filter(|f| in_range(f.location.unwrap_or_default(), rect))
        .map(Ok)
        .collect();
    Ok(stream::iter(found).boxed())
}

/// Great-circle distance in whole metres (haversine, mean Earth radius).
fn distance(a: Point, b: Point) -> i32 {
    const E7: f64 = 1e7;
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let rad = |e7: i32| (f64::from(e7) / E7).to_radians();
    let (lat1, lat2) = (rad(a.latitude), rad(b.latitude));
    let d_lat = lat2 - lat1;
    let d_lng = rad(b.longitude) - rad(a.longitude);
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lng / 2.0).sin().powi(2);
    let c = 2.0 * h.sqrt().atan2((1.0 - h).sqrt());
    (EARTH_RADIUS_M * c) as i32
}

async fn record_route(mut points: Streaming<Point>) -> Result<RouteSummary, Status> {
    let start = Instant::now();
    let mut summary = RouteSummary::default();
    let mut last: Option<Point> = None;
    while let Some(point) = points.message().await? {
        summary.point_count += 1;
        if feature_at(point).is_some() {
            summary.feature_count += 1;
        }
        if let Some(prev) = last {
            summary.distance += distance(prev, point);
        }
        last = Some(point);
    }
    summary.elapsed_time = start.elapsed().as_secs() as i32;
    Ok(summary)
}

fn route_chat(notes: Streaming<RouteNote>) -> Result<Boxed<RouteNote>, Status> {
    struct Chat {
        notes: Streaming<RouteNote>,
        seen: HashMap<(i32, i32), Vec<RouteNote>>,
        pending: VecDeque<RouteNote>,
    }
    let chat = Chat {
        notes,
        seen: HashMap::new(),
        pending: VecDeque::new(),
    };
    Ok(stream::unfold(chat, |mut chat| async move {
        loop {
            if let Some(note) = chat.pending.pop_front() {
                return Some((Ok(note), chat));
            }
            match chat.notes.message().await {
                Ok(Some(note)) => {
                    let p = note.location.unwrap_or_default();
                    let here = chat.seen.entry((p.latitude, p.longitude)).or_default();
                    here.push(note);
                    chat.pending.extend(here.iter().cloned());
                }
                Ok(None) => return None,
                Err(e) => return Some((Err(e), chat)),
            }
        }
    })
    .boxed())
}

// ---- hello -----------------------------------------------------------------------------------

fn greeting(r: &HelloRequest) -> &str {
    r.greeting.as_deref().unwrap_or("noname")
}

fn hello(r: &HelloRequest) -> HelloResponse {
    HelloResponse {
        reply: format!("hello {}", greeting(r)),
    }
}

async fn lots_of_greetings(
    mut greetings: Streaming<HelloRequest>,
) -> Result<HelloResponse, Status> {
    let mut names = Vec::new();
    while let Some(r) = greetings.message().await? {
        names.push(greeting(&r).to_string());
    }
    Ok(HelloResponse {
        reply: format!("hello {}", names.join(", ")),
    })
}

// ---- rk6.Testing -----------------------------------------------------------------------------

/// Longest wait a request may ask for: the target serves load tests, not sleepers.
const MAX_DELAY_MS: i32 = 60_000;

fn status_of(f: &Failure) -> Option<Status> {
    (f.code != 0).then(|| Status::new(Code::from_i32(f.code), f.message.clone()))
}

async fn fail(f: Failure) -> Result<Empty, Status> {
    let delay = f.delay_ms.clamp(0, MAX_DELAY_MS);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    match status_of(&f) {
        Some(status) => Err(status),
        None => Ok(Empty {}),
    }
}

fn count(r: CountRequest) -> Result<Boxed<Counted>, Status> {
    let interval = Duration::from_millis(r.interval_ms.clamp(0, MAX_DELAY_MS) as u64);
    let end = r.end.as_ref().and_then(status_of);
    let total = r.count.max(0);
    let messages = stream::unfold(0, move |i| async move {
        if i >= total {
            return None;
        }
        if i > 0 && !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        let counted = Counted {
            index: i,
            text: format!("message {i}"),
        };
        Some((Ok(counted), i + 1))
    });
    Ok(messages.chain(stream::iter(end.map(Err))).boxed())
}

async fn sum(mut numbers: Streaming<Number>) -> Result<Total, Status> {
    let mut total = Total::default();
    while let Some(n) = numbers.message().await? {
        total.sum = total.sum.wrapping_add(n.value);
        total.count += 1;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_haversine_in_metres() {
        let a = Point {
            latitude: 407838351,
            longitude: -746143763,
        };
        let b = Point {
            latitude: 408122808,
            longitude: -743999179,
        };
        assert_eq!(distance(a, a), 0);
        // 18.3 km between the two points (great-circle).
        let d = distance(a, b);
        assert!((18_000..18_500).contains(&d), "{d}");
    }

    #[test]
    fn rectangle_corners_may_come_in_any_order() {
        let p = Point {
            latitude: 5,
            longitude: -5,
        };
        let rect = |lo: (i32, i32), hi: (i32, i32)| Rectangle {
            lo: Some(Point {
                latitude: lo.0,
                longitude: lo.1,
            }),
            hi: Some(Point {
                latitude: hi.0,
                longitude: hi.1,
            }),
        };
        assert!(in_range(p, rect((0, -10), (10, 0))));
        assert!(in_range(p, rect((10, 0), (0, -10))));
        assert!(!in_range(p, rect((6, -10), (10, 0))));
    }
}
