//! The sending end the loader and the decision runner report through. It takes a channel
//! of any message type that can be made from their events, so the console's channel gets
//! them as they are (nested in its `Message`) and no task has to translate them; `export`
//! and the tests pass a channel of the events themselves.

use std::marker::PhantomData;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::mpsc::error::SendError;

/// Sends events of type `T` into a channel of `M`s.
pub struct Outbox<T, M> {
    channel: UnboundedSender<M>,
    event: PhantomData<fn(T)>,
}

impl<T, M: From<T>> Outbox<T, M> {
    pub fn new(channel: UnboundedSender<M>) -> Self {
        Outbox {
            channel,
            event: PhantomData,
        }
    }

    /// Sends one event; an error once the receiver is gone.
    pub fn send(&self, event: T) -> Result<(), SendError<M>> {
        self.channel.send(M::from(event))
    }
}

// Derived, it would ask `T: Clone` for no reason.
impl<T, M> Clone for Outbox<T, M> {
    fn clone(&self) -> Self {
        Outbox {
            channel: self.channel.clone(),
            event: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Message {
        Number(u32),
    }

    impl From<u32> for Message {
        fn from(n: u32) -> Message {
            Message::Number(n)
        }
    }

    #[test]
    fn events_arrive_as_the_channels_messages() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Message>();
        let outbox: Outbox<u32, Message> = Outbox::new(tx);
        outbox.clone().send(7).unwrap();
        assert_eq!(rx.try_recv().ok(), Some(Message::Number(7)));
        drop(rx);
        assert!(outbox.send(8).is_err(), "the receiver is gone");
    }
}
