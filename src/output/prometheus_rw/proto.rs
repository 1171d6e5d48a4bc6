//! The remote-write 1.0 messages (Prometheus' `prompb/types.proto` and `remote.proto`), the
//! fields a sender fills: labels, float samples and native histograms. Declared with prost's
//! derive so no protoc is needed at build time; field numbers and types are the upstream ones.

/// `prometheus.WriteRequest`. A request body is the concatenation of its `timeseries` fields,
/// which lets each series be encoded once ([`encode_series`]) and requests be assembled by
/// appending bytes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// Sorted by name, `__name__` included.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    pub histograms: Vec<Histogram>,
}

#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Label {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// A native (sparse, exponential) histogram with integer counts.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    #[prost(oneof = "histogram::Count", tags = "1, 2")]
    pub count: Option<histogram::Count>,
    #[prost(double, tag = "3")]
    pub sum: f64,
    #[prost(sint32, tag = "4")]
    pub schema: i32,
    #[prost(double, tag = "5")]
    pub zero_threshold: f64,
    #[prost(oneof = "histogram::ZeroCount", tags = "6, 7")]
    pub zero_count: Option<histogram::ZeroCount>,
    #[prost(message, repeated, tag = "8")]
    pub negative_spans: Vec<BucketSpan>,
    /// Count deltas between consecutive buckets of the spans.
    #[prost(sint64, repeated, tag = "9")]
    pub negative_deltas: Vec<i64>,
    #[prost(message, repeated, tag = "11")]
    pub positive_spans: Vec<BucketSpan>,
    #[prost(sint64, repeated, tag = "12")]
    pub positive_deltas: Vec<i64>,
    #[prost(int64, tag = "15")]
    pub timestamp: i64,
}

pub mod histogram {
    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum Count {
        #[prost(uint64, tag = "1")]
        CountInt(u64),
        #[prost(double, tag = "2")]
        CountFloat(f64),
    }

    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum ZeroCount {
        #[prost(uint64, tag = "6")]
        ZeroCountInt(u64),
        #[prost(double, tag = "7")]
        ZeroCountFloat(f64),
    }
}

/// A run of consecutive buckets: `offset` is the gap from the end of the previous span (or,
/// for the first span, the index of its first bucket).
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct BucketSpan {
    #[prost(sint32, tag = "1")]
    pub offset: i32,
    #[prost(uint32, tag = "2")]
    pub length: u32,
}

/// Appends `series` to `out` as one `timeseries` field of a `WriteRequest`.
pub fn encode_series(series: &TimeSeries, out: &mut Vec<u8>) {
    prost::encoding::message::encode(1, series, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn concatenated_series_decode_as_one_request() {
        let s = |name: &str, v: f64| TimeSeries {
            labels: vec![Label {
                name: "__name__".into(),
                value: name.into(),
            }],
            samples: vec![Sample {
                value: v,
                timestamp: 1_700_000_000_000,
            }],
            histograms: vec![],
        };
        let mut body = Vec::new();
        encode_series(&s("a", 1.0), &mut body);
        encode_series(&s("b", 2.5), &mut body);
        let req = WriteRequest::decode(body.as_slice()).unwrap();
        assert_eq!(req.timeseries, vec![s("a", 1.0), s("b", 2.5)]);
        assert_eq!(
            WriteRequest {
                timeseries: vec![s("a", 1.0), s("b", 2.5)]
            }
            .encode_to_vec(),
            body
        );
    }
}
