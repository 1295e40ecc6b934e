//! Just enough DNS (RFC 1035) to read TXT records over UDP from a resolver: how a tenant
//! proves it controls its custom domain (`_portico-challenge.<domain>` holding a token).

use std::net::SocketAddr;
use std::time::Duration;

/// The resolver to ask: `configured`, else the first `nameserver` of `/etc/resolv.conf`.
pub fn resolver(configured: Option<&str>) -> Option<SocketAddr> {
    let with_port = |s: &str| {
        s.parse::<SocketAddr>()
            .ok()
            .or_else(|| s.parse::<std::net::IpAddr>().ok().map(|ip| (ip, 53).into()))
    };
    if let Some(c) = configured {
        return with_port(c.trim());
    }
    let conf = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    conf.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .find_map(|addr| with_port(addr.trim()))
}

/// The TXT strings of `name` (each record's strings joined).
pub async fn txt_records(resolver: SocketAddr, name: &str) -> std::io::Result<Vec<String>> {
    let id: u16 = rand_id();
    let query = encode_query(id, name)?;
    let bind = if resolver.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = tokio::net::UdpSocket::bind(bind).await?;
    socket.connect(resolver).await?;
    socket.send(&query).await?;
    let mut buf = vec![0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), socket.recv(&mut buf))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no DNS answer"))??;
        // Answers to other queries (or forged ones with another id) are ignored.
        if n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
            return decode_txt(&buf[..n]).map_err(std::io::Error::other);
        }
    }
}

fn rand_id() -> u16 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    u16::from_be_bytes(b)
}

fn invalid(m: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, m.to_string())
}

/// A standard query for `name`'s TXT records, recursion desired.
pub fn encode_query(id: u16, name: &str) -> std::io::Result<Vec<u8>> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(invalid("not a domain name"));
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&[0, 16, 0, 1]);
    Ok(q)
}

/// The TXT data in an answer; a name error (NXDOMAIN) is no records.
pub fn decode_txt(msg: &[u8]) -> Result<Vec<String>, String> {
    let u16_at = |i: usize| -> Result<u16, String> {
        msg.get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a short DNS answer".to_string())
    };
    let flags = u16_at(2)?;
    match flags & 0x000f {
        0 => {}
        3 => return Ok(Vec::new()),
        code => return Err(format!("the resolver answered with error {code}")),
    }
    let (questions, answers) = (u16_at(4)?, u16_at(6)?);
    let mut at = 12;
    for _ in 0..questions {
        at = skip_name(msg, at)? + 4;
    }
    let mut found = Vec::new();
    for _ in 0..answers {
        at = skip_name(msg, at)?;
        let (kind, len) = (u16_at(at)?, u16_at(at + 8)? as usize);
        let data = msg
            .get(at + 10..at + 10 + len)
            .ok_or("a short DNS record")?;
        if kind == 16 {
            let mut text = Vec::new();
            let mut i = 0;
            while i < data.len() {
                let n = data[i] as usize;
                text.extend_from_slice(data.get(i + 1..i + 1 + n).ok_or("a short TXT string")?);
                i += 1 + n;
            }
            found.push(String::from_utf8_lossy(&text).into_owned());
        }
        at += 10 + len;
    }
    Ok(found)
}

/// The position just after the (possibly compressed) name at `at`.
fn skip_name(msg: &[u8], mut at: usize) -> Result<usize, String> {
    loop {
        let len = *msg.get(at).ok_or("a short DNS name")?;
        match len {
            0 => return Ok(at + 1),
            l if l & 0xc0 == 0xc0 => return Ok(at + 2),
            l => at += 1 + l as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer as a resolver sends it: the question, then one TXT record pointing back at
    /// the question's name (compression).
    pub fn answer(id: u16, name: &str, texts: &[&str]) -> Vec<u8> {
        let mut m = encode_query(id, name).unwrap();
        m[2] = 0x81;
        m[3] = 0x80;
        m[7] = 1;
        m.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60]);
        let mut data = Vec::new();
        for t in texts {
            data.push(t.len() as u8);
            data.extend_from_slice(t.as_bytes());
        }
        m.extend_from_slice(&(data.len() as u16).to_be_bytes());
        m.extend_from_slice(&data);
        m
    }

    #[test]
    fn txt_answers_are_read_with_compressed_names_and_split_strings() {
        let msg = answer(
            7,
            "_portico-challenge.portal.example",
            &["portico-", "verify=abc"],
        );
        assert_eq!(decode_txt(&msg).unwrap(), ["portico-verify=abc"]);
        let mut nx = encode_query(7, "x.example").unwrap();
        nx[3] = 0x83;
        assert!(decode_txt(&nx).unwrap().is_empty());
        assert!(decode_txt(&msg[..20]).is_err());
        assert!(encode_query(1, "a..b").is_err());
    }
}
