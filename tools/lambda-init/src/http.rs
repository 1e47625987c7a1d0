//! The little HTTP/1.1 the Lambda runtime client speaks to the runtime API: one request at a
//! time on a keep-alive connection, bodies sized by `Content-Length` or sent chunked.

use std::io::{self, BufRead, Read, Write};

/// Most bytes a request line plus its headers may take.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most bytes a body may take: Lambda's own limit on a synchronous response payload.
pub const MAX_BODY: usize = 6 * 1024 * 1024;

/// A request that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("reading the request failed: {0}")]
    Io(#[from] io::Error),
    #[error("malformed request line {0:?}")]
    RequestLine(String),
    #[error("malformed header line {0:?}")]
    Header(String),
    #[error("the request line and headers take more than {MAX_HEAD} bytes")]
    HeadTooLarge,
    #[error("the body is larger than {MAX_BODY} bytes")]
    BodyTooLarge,
    #[error("invalid Content-Length {0:?}")]
    ContentLength(String),
    #[error("invalid chunk size line {0:?}")]
    Chunk(String),
    #[error("the connection closed in the middle of a request")]
    Truncated,
}

/// One request, headers named in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one line (with its line end) of at most `limit` bytes; `Ok(None)` at end of input.
fn read_line<R: BufRead>(r: &mut R, limit: usize) -> Result<Option<String>, HttpError> {
    let mut buf = Vec::new();
    let n = r.take(limit as u64 + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if n > limit {
        return Err(HttpError::HeadTooLarge);
    }
    if !buf.ends_with(b"\n") {
        return Err(HttpError::Truncated);
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Reads the next request; `Ok(None)` when the peer closed the connection between requests.
pub fn read_request<R: BufRead>(r: &mut R) -> Result<Option<Request>, HttpError> {
    let mut budget = MAX_HEAD;
    let line = loop {
        let Some(line) = read_line(r, budget)? else {
            return Ok(None);
        };
        budget -= line.len();
        // A client may send a blank line between requests (RFC 9112, 2.2).
        if !line.trim().is_empty() {
            break line;
        }
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::RequestLine(line.trim_end().to_string()));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::RequestLine(line.trim_end().to_string()));
    }
    let (method, path) = (method.to_string(), path.to_string());
    let mut headers = Vec::new();
    loop {
        let line = read_line(r, budget)?.ok_or(HttpError::Truncated)?;
        budget -= line.len();
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
            .ok_or_else(|| HttpError::Header(line.to_string()))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut request = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    request.body = if chunked {
        read_chunked(r)?
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| HttpError::ContentLength(length.to_string()))?;
        if length > MAX_BODY {
            return Err(HttpError::BodyTooLarge);
        }
        let mut body = vec![0; length];
        r.read_exact(&mut body).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => HttpError::Truncated,
            _ => HttpError::Io(e),
        })?;
        body
    } else {
        Vec::new()
    };
    Ok(Some(request))
}

/// A chunked body (RFC 9112, 7.1); trailers are read and dropped.
fn read_chunked<R: BufRead>(r: &mut R) -> Result<Vec<u8>, HttpError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(r, MAX_HEAD)?.ok_or(HttpError::Truncated)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| HttpError::Chunk(line.trim_end().into()))?;
        if size == 0 {
            while !read_line(r, MAX_HEAD)?
                .ok_or(HttpError::Truncated)?
                .trim()
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(HttpError::BodyTooLarge);
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])
            .map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => HttpError::Truncated,
                _ => HttpError::Io(e),
            })?;
        let end = read_line(r, MAX_HEAD)?.ok_or(HttpError::Truncated)?;
        if !end.trim().is_empty() {
            return Err(HttpError::Chunk(end.trim_end().into()));
        }
    }
}

/// Writes a response in one write: head and body split over two writes is the delayed-ACK
/// stall that made the emulator's runtime API slow (issue 10), and would skew what this
/// tool measures.
pub fn write_response<W: Write>(
    w: &mut W,
    status: u16,
    reason: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    w.write_all(&out)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read_all(raw: &[u8]) -> Vec<Result<Request, String>> {
        let mut r = Cursor::new(raw.to_vec());
        let mut out = Vec::new();
        loop {
            match read_request(&mut r) {
                Ok(Some(req)) => out.push(Ok(req)),
                Ok(None) => return out,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
    }

    #[test]
    fn reads_keep_alive_requests_in_turn() {
        let raw = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUser-Agent: aws-lambda-rust/1\r\n\r\n\
POST /2018-06-01/runtime/invocation/r-1/response HTTP/1.1\r\nContent-Length: 18\r\ncontent-type: application/json\r\n\r\n{\"statusCode\":200}";
        let got = read_all(raw);
        assert_eq!(got.len(), 2, "{got:?}");
        let next = got[0].as_ref().unwrap();
        assert_eq!(next.method, "GET");
        assert_eq!(next.path, "/2018-06-01/runtime/invocation/next");
        assert_eq!(next.header("user-agent"), Some("aws-lambda-rust/1"));
        assert!(next.body.is_empty());
        let answer = got[1].as_ref().unwrap();
        assert_eq!(answer.method, "POST");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.body, b"{\"statusCode\":200}");
    }

    #[test]
    fn reads_a_chunked_body_and_drops_trailers() {
        let raw = b"POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nx-trailer: t\r\n\r\n";
        let got = read_all(raw);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].as_ref().unwrap().body, b"{\"a\":1}");
    }

    #[test]
    fn a_closed_connection_between_requests_is_no_error() {
        assert!(read_all(b"").is_empty());
        assert!(read_all(b"\r\n").is_empty());
    }

    #[test]
    fn refuses_what_is_not_a_request() {
        for (raw, want) in [
            (&b"GET /x\r\n\r\n"[..], "malformed request line"),
            (b"GET /x SPDY/3\r\n\r\n", "malformed request line"),
            (
                b"GET /x HTTP/1.1\r\nno colon\r\n\r\n",
                "malformed header line",
            ),
            (
                b"GET /x HTTP/1.1\r\n: empty name\r\n\r\n",
                "malformed header line",
            ),
            (
                b"POST /x HTTP/1.1\r\ncontent-length: ten\r\n\r\n",
                "invalid Content-Length",
            ),
            (
                b"POST /x HTTP/1.1\r\ncontent-length: 10\r\n\r\nshort",
                "closed in the middle",
            ),
            (b"GET /x HTTP/1.1\r\nhost: a", "closed in the middle"),
            (b"GET /x HTTP/1.1\r\nhost: a\r\n", "closed in the middle"),
            (
                b"POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
                "invalid chunk size",
            ),
            (
                b"POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n",
                "invalid chunk size",
            ),
        ] {
            let got = read_all(raw);
            let err = got.last().and_then(|r| r.as_ref().err());
            assert!(
                err.is_some_and(|e| e.contains(want)),
                "{:?}: {got:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn refuses_oversized_heads_and_bodies() {
        let mut raw = b"GET /x HTTP/1.1\r\nx-big: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        raw.extend_from_slice(b"\r\n\r\n");
        let got = read_all(&raw);
        assert!(
            matches!(got.last(), Some(Err(e)) if e.contains("more than")),
            "{got:?}"
        );

        let raw = format!(
            "POST /x HTTP/1.1\r\ncontent-length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        let got = read_all(raw.as_bytes());
        assert!(
            matches!(got.last(), Some(Err(e)) if e.contains("larger than")),
            "{got:?}"
        );
    }

    #[test]
    fn writes_head_and_body_together() {
        let mut out = Vec::new();
        write_response(
            &mut out,
            202,
            "Accepted",
            &[("content-type", "application/json")],
            b"{}",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
        );
    }
}
