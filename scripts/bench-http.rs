//! The keep-alive HTTP/1.1 client the load generators share
//! (`bench-checkout.rs`, `bench-chat.rs`): server-function form posts with
//! the store's cookies kept between them.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One HTTP/1.1 keep-alive connection with a cookie jar of the store's cookies.
pub struct Client {
    pub stream: BufReader<TcpStream>,
    pub host: String,
    pub cookies: Vec<(String, String)>,
}

impl Client {
    pub async fn connect(addr: &str) -> std::io::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client { stream: BufReader::new(stream), host: addr.to_owned(), cookies: Vec::new() })
    }

    /// The Cookie header's value.
    pub fn cookie(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// POSTs a form to a server function; answers the status and body.
    pub async fn post(&mut self, path: &str, form: &str) -> std::io::Result<(u16, String)> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nCookie: {}\r\nContent-Length: {}\r\n\r\n{form}",
            self.host,
            self.cookie(),
            form.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("set-cookie") {
                let pair = value.split(';').next().unwrap_or_default();
                if let Some((key, val)) = pair.split_once('=') {
                    self.cookies.retain(|(k, _)| k != key);
                    if !val.is_empty() && !value.contains("Max-Age=0") {
                        self.cookies.push((key.to_owned(), val.to_owned()));
                    }
                }
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}
