//! Prometheus' answer to a range query, read: its series and warnings, or
//! why it is not one.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Prometheus' JSON envelope.
#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// A range query's data.
#[derive(Debug, Deserialize)]
struct MatrixData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<RawSeries>,
}

/// One series as Prometheus sends it.
#[derive(Debug, Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// The labels of a series.
pub type Labels = BTreeMap<String, String>;

/// One page of a range query: its series, and Prometheus' warnings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Each series' labels and `(Unix seconds, value)` points; values that
    /// are not finite numbers (`NaN`, `+Inf`) left out.
    pub series: Vec<(Labels, Vec<(f64, f64)>)>,
    /// Prometheus' `warnings`.
    pub warnings: Vec<String>,
}

/// Why an answer is not a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// Prometheus' error: `errorType`, `error`.
    Refused(String, String),
    /// Not Prometheus' JSON at all.
    NotPrometheus(String),
}

/// The first characters of a body, on one line.
fn glimpse(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(60)]);
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > 60 {
        format!("{one:?}…")
    } else {
        format!("{one:?}")
    }
}

/// Reads one answer of `/api/v1/query_range`.
pub fn parse_answer(body: &[u8]) -> Result<Page, AnswerError> {
    let not = |why: String| AnswerError::NotPrometheus(why);
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|_| not(format!("the answer is not JSON (starts {})", glimpse(body))))?;
    match envelope.status.as_str() {
        "success" => {}
        "error" => {
            return Err(AnswerError::Refused(
                envelope.error_type.unwrap_or_else(|| "error".into()),
                envelope.error.unwrap_or_else(|| "(no error text)".into()),
            ));
        }
        other => return Err(not(format!("its status is {other:?}"))),
    }
    let data = envelope
        .data
        .ok_or_else(|| not("a success without data".into()))?;
    let data: MatrixData = serde_json::from_value(data)
        .map_err(|e| not(format!("its data is not a range query's matrix: {e}")))?;
    if data.result_type != "matrix" {
        return Err(not(format!(
            "its resultType is {:?}, not a range query's \"matrix\"",
            data.result_type
        )));
    }
    let series = data
        .result
        .into_iter()
        .map(|s| {
            let points = s
                .values
                .iter()
                .filter_map(|(t, v)| {
                    let v: f64 = v.parse().ok()?;
                    v.is_finite().then_some((*t, v))
                })
                .collect();
            (s.metric, points)
        })
        .collect();
    Ok(Page {
        series,
        warnings: envelope.warnings,
    })
}

/// The pages' series joined by labels, points in time order, each
/// timestamp once.
pub fn merge(pages: Vec<Page>) -> Vec<(Labels, Vec<(f64, f64)>)> {
    let mut all: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for page in pages {
        for (labels, points) in page.series {
            all.entry(labels).or_default().extend(points);
        }
    }
    all.into_iter()
        .map(|(labels, mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            points.dedup_by(|a, b| a.0 == b.0);
            (labels, points)
        })
        .collect()
}

/// `name{k="v", …}`, as Prometheus writes a series.
pub fn series_name(labels: &Labels) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    format!("{name}{{{}}}", rest.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_refusals_keep_prometheus_text() {
        let ok = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"go_goroutines","job":"a"},"values":[[1,"5"],[2,"NaN"],[3,"7"]]}]}}"#;
        let p = parse_answer(ok).unwrap();
        assert_eq!(p.series[0].1, vec![(1.0, 5.0), (3.0, 7.0)]);
        assert_eq!(series_name(&p.series[0].0), "go_goroutines{job=\"a\"}");
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert_eq!(
            parse_answer(err).unwrap_err(),
            AnswerError::Refused("bad_data".into(), "parse error".into())
        );
        assert!(matches!(
            parse_answer(b"<html>"),
            Err(AnswerError::NotPrometheus(_))
        ));
    }
}
