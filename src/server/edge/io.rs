//! The socket as hyper sees it: every byte that moves is reported to the connection's clock,
//! and an answer hyper writes on its own for a request it could not parse goes out as the JSON
//! error `malformed` makes of it.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::clock::Clock;
use super::malformed;

pub struct EdgeIo {
    stream: TcpStream,
    clock: Arc<Clock>,
    /// A JSON answer being sent in place of hyper's own.
    replacing: Option<Replacing>,
}

struct Replacing {
    answer: Vec<u8>,
    sent: usize,
    /// How many of hyper's bytes it stands for.
    replaced: usize,
}

impl EdgeIo {
    pub fn new(stream: TcpStream, clock: Arc<Clock>) -> EdgeIo {
        EdgeIo {
            stream,
            clock,
            replacing: None,
        }
    }

    /// Whether `buf`, the next of hyper's bytes, is (or is being) replaced by a JSON answer.
    fn replaces(&mut self, buf: &[u8]) -> bool {
        if self.replacing.is_none()
            && let Some((replaced, answer)) = malformed::replacement(buf)
        {
            self.replacing = Some(Replacing {
                answer,
                sent: 0,
                replaced,
            });
        }
        self.replacing.is_some()
    }

    /// Sends what is left of a replacing answer; then how many of hyper's bytes it stood for.
    fn finish_replacing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(replacing) = &mut self.replacing else {
            return Poll::Ready(Ok(0));
        };
        while replacing.sent < replacing.answer.len() {
            let written = ready!(
                Pin::new(&mut self.stream).poll_write(cx, &replacing.answer[replacing.sent..])
            )?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            replacing.sent += written;
            self.clock.wrote();
        }
        let replaced = replacing.replaced;
        self.replacing = None;
        Poll::Ready(Ok(replaced))
    }
}

impl AsyncRead for EdgeIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stream).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.clock.read();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for EdgeIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replaces(buf) {
            return this.finish_replacing(cx);
        }
        let written = ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        this.clock.wrote();
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let first = bufs.iter().find(|buf| !buf.is_empty());
        if first.is_some_and(|first| this.replaces(first)) {
            return this.finish_replacing(cx);
        }
        let written = ready!(Pin::new(&mut this.stream).poll_write_vectored(cx, bufs))?;
        this.clock.wrote();
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    // A replacing answer is always sent whole before hyper hears its bytes went out, and hyper
    // flushes or shuts down only once they have.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
