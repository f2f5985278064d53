//! Notification delivery for real: `mturk-review serve` sends its outbox to SQS and SNS as
//! AWS's own SDKs do, here to moto's server (`pip install 'moto[server]'`), a local stand-in
//! that speaks both, on a free loopback port. Each test says it skipped when `moto_server` is
//! not installed, as the client smoke tests skip without boto3.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_mturk::types::{EventType, NotificationSpecification, NotificationTransport};
use aws_sdk_sqs::config::Credentials;
use aws_sdk_sqs::types::QueueAttributeName;
use common::{ServeProcess, TempDb};
use serde_json::{Value, json};

/// What the server's AWS credential chain finds: moto takes any key.
const AWS_ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// moto's server on a free loopback port; stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    /// None (and a message saying so) when `moto_server` is not installed.
    fn start_or_skip(test: &str) -> Option<Moto> {
        let installed = Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            eprintln!("skipped {test}: moto_server is not installed (pip install 'moto[server]')");
            return None;
        }
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    async fn sdk(&self) -> aws_config::SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
            .endpoint_url(&self.url)
            .load()
            .await
    }

    async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk().await)
    }

    async fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.sdk().await)
    }

    /// A queue's URL as moto names it (also before the queue exists).
    fn queue_url(&self, name: &str) -> String {
        format!("{}/123456789012/{name}", self.url)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap()
}

/// Receives from the queue until `n` messages came (deleting them), for up to 20 seconds.
async fn receive(sqs: &aws_sdk_sqs::Client, queue: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut bodies = Vec::new();
    while bodies.len() < n {
        assert!(
            Instant::now() < deadline,
            "only {} of {n} messages arrived in {queue}: {bodies:?}",
            bodies.len()
        );
        let got = sqs
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in got.messages() {
            bodies.push(m.body().unwrap().to_string());
            sqs.delete_message()
                .queue_url(queue)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    bodies
}

fn spec(
    transport: NotificationTransport,
    destination: &str,
    types: &[EventType],
) -> NotificationSpecification {
    NotificationSpecification::builder()
        .destination(destination)
        .transport(transport)
        .version("2006-05-05")
        .set_event_types(Some(types.to_vec()))
        .build()
        .unwrap()
}

fn serve(db: &TempDb, endpoint: &str, extra: &[&str]) -> ServeProcess {
    let db = db.0.to_str().unwrap();
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--db",
        db,
        "--notify-endpoint-url",
        endpoint,
    ];
    args.extend_from_slice(extra);
    ServeProcess::spawn_with_env(&args, &AWS_ENV)
}

/// A HIT type of its own (by title) with this specification.
async fn watched_type(
    client: &aws_sdk_mturk::Client,
    title: &str,
    spec: NotificationSpecification,
) -> String {
    let ty = client
        .create_hit_type()
        .title(title)
        .description("Say what the photo shows")
        .reward("0.50")
        .assignment_duration_in_seconds(600)
        .send()
        .await
        .unwrap()
        .hit_type_id
        .unwrap();
    client
        .update_notification_settings()
        .hit_type_id(&ty)
        .notification(spec)
        .send()
        .await
        .unwrap();
    ty
}

async fn hit_of(client: &aws_sdk_mturk::Client, hit_type: &str) -> String {
    client
        .create_hit_with_hit_type()
        .hit_type_id(hit_type)
        .lifetime_in_seconds(3600)
        .question(common::QUESTION)
        .send()
        .await
        .unwrap()
        .hit
        .unwrap()
        .hit_id
        .unwrap()
}

/// `mturk-review notifications --db DB --bodies`: (attempts, last error, body) of each
/// message waiting, and the summary line.
fn waiting(db: &TempDb) -> (Vec<(i64, String, Value)>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mturk-review"))
        .args(["notifications", "--bodies", "--db", db.0.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let listed = lines
        .chunks(2)
        .map(|pair| {
            let fields: Vec<&str> = pair[0].split('\t').collect();
            let attempts = fields[4].split(' ').next().unwrap().parse().unwrap();
            let body = serde_json::from_str(pair[1].trim()).unwrap();
            (attempts, fields[5].to_string(), body)
        })
        .collect();
    (listed, String::from_utf8(out.stderr).unwrap())
}

/// Waits (up to 10 s) until nothing is waiting and `n` messages are marked delivered: a
/// message is marked after its send returned, a moment after it arrived.
async fn all_delivered(db: &TempDb, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (listed, summary) = waiting(db);
        if listed.is_empty() {
            let done = format!("0 notification(s) waiting for delivery, {n} delivered.");
            assert!(summary.contains(&done), "{summary}");
            return;
        }
        assert!(Instant::now() < deadline, "still listed: {listed:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn events_arrive_in_sqs_and_through_sns_in_mturks_format() {
    let Some(moto) = Moto::start_or_skip("events_arrive_in_sqs_and_through_sns_in_mturks_format")
    else {
        return;
    };
    let sqs = moto.sqs().await;
    let sns = moto.sns().await;
    let direct = create_queue(&sqs, "mturk-events").await;
    let fanned = create_queue(&sqs, "from-topic").await;
    let topic = sns
        .create_topic()
        .name("mturk-topic")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let fanned_arn = sqs
        .get_queue_attributes()
        .queue_url(&fanned)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(fanned_arn)
        .send()
        .await
        .unwrap();

    let db = TempDb::new("notify-sqs");
    let server = serve(&db, &moto.url, &[]);
    let client = common::client(&server.url).await;
    let by_queue = watched_type(
        &client,
        "Sent to a queue",
        spec(
            NotificationTransport::Sqs,
            &direct,
            &[EventType::HitCreated, EventType::AssignmentSubmitted],
        ),
    )
    .await;
    let by_topic = watched_type(
        &client,
        "Published to a topic",
        spec(NotificationTransport::Sns, &topic, &[EventType::HitCreated]),
    )
    .await;
    let hit = hit_of(&client, &by_queue).await;
    let submitted = common::post(
        server.addr,
        "MTurkLocal.SubmitAssignment",
        &json!({ "HITId": hit, "WorkerId": "AWORKER1", "Answer": common::ANSWER }),
    )
    .await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let assignment = submitted.json()["AssignmentId"]
        .as_str()
        .unwrap()
        .to_string();
    let published = hit_of(&client, &by_topic).await;
    client
        .send_test_event_notification()
        .notification(spec(
            NotificationTransport::Sqs,
            &direct,
            &[EventType::HitCreated],
        ))
        .test_event_type(EventType::Ping)
        .send()
        .await
        .unwrap();

    let mut bodies: Vec<Value> = receive(&sqs, &direct, 3)
        .await
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    // SQS does not promise order; the events do not depend on it.
    bodies.sort_by_key(|b| b["Events"][0]["EventType"].as_str().unwrap().to_string());
    let events: Vec<&Value> = bodies.iter().map(|b| &b["Events"][0]).collect();
    assert_eq!(events[0]["EventType"], "AssignmentSubmitted");
    assert_eq!(events[0]["HITId"], hit.as_str());
    assert_eq!(events[0]["AssignmentId"], assignment.as_str());
    assert_eq!(events[0]["HITTypeId"], by_queue.as_str());
    assert_eq!(events[1]["EventType"], "HITCreated");
    assert_eq!(events[1]["HITId"], hit.as_str());
    assert_eq!(events[2]["EventType"], "Ping");
    for b in &bodies {
        assert_eq!(b["EventDocVersion"], "2006-05-05");
        assert!(
            b["EventDocId"].is_string() && b["CustomerId"].is_string(),
            "{b}"
        );
        assert_eq!(b["SourceAccount"], b["CustomerId"]);
    }

    // Through the topic, the queue gets SNS's envelope with the message inside.
    let via_topic = receive(&sqs, &fanned, 1).await;
    let envelope: Value = serde_json::from_str(&via_topic[0]).unwrap();
    assert_eq!(envelope["Type"], "Notification", "{envelope}");
    assert_eq!(envelope["TopicArn"], topic.as_str());
    let message: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
    assert_eq!(message["Events"][0]["EventType"], "HITCreated");
    assert_eq!(message["Events"][0]["HITId"], published.as_str());
    assert_eq!(message["Events"][0]["HITTypeId"], by_topic.as_str());

    all_delivered(&db, 4).await;
}

#[tokio::test]
async fn an_undeliverable_event_backs_off_stays_listed_and_survives_a_kill() {
    let test = "an_undeliverable_event_backs_off_stays_listed_and_survives_a_kill";
    let Some(moto) = Moto::start_or_skip(test) else {
        return;
    };
    let sqs = moto.sqs().await;
    // The specification names a queue that does not exist yet: every send fails.
    let queue = moto.queue_url("created-later");
    let db = TempDb::new("notify-retry");
    let mut server = serve(
        &db,
        &moto.url,
        &[
            "--notify-retry-first-ms",
            "200",
            "--notify-retry-max-secs",
            "1",
        ],
    );
    let client = common::client(&server.url).await;
    let ty = watched_type(
        &client,
        "Watched",
        spec(NotificationTransport::Sqs, &queue, &[EventType::HitCreated]),
    )
    .await;
    let hit = hit_of(&client, &ty).await;
    // Waits of 0.2, 0.4, 0.8 and then 1 s: about five attempts in 2.5 s, where sending at
    // every look at the outbox (four a second) would make ten.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (listed, summary) = waiting(&db);
    assert_eq!(listed.len(), 1, "{summary}");
    let (attempts, error, body) = &listed[0];
    assert!((2..=6).contains(attempts), "{attempts} attempts in 2.5 s");
    assert!(
        error.contains("NonExistentQueue") || error.contains("QueueDoesNotExist"),
        "{error}"
    );
    assert_eq!(body["Events"][0]["HITId"], hit.as_str());

    // Killed outright while the event waits; the queue appears; a new server on the same
    // database delivers it, the same message (same EventDocId).
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert_eq!(create_queue(&sqs, "created-later").await, queue);
    let _again = serve(&db, &moto.url, &[]);
    let arrived = receive(&sqs, &queue, 1).await;
    let delivered: Value = serde_json::from_str(&arrived[0]).unwrap();
    assert_eq!(delivered, *body);
    all_delivered(&db, 1).await;
}

/// Email needs no stand-in: the message goes to the log, and is marked delivered there.
#[tokio::test]
async fn an_email_destination_gets_the_message_in_the_log() {
    let db = TempDb::new("notify-email");
    // Nothing listens at this endpoint; email never reaches for it.
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let mut server = serve(&db, &endpoint, &[]);
    let client = common::client(&server.url).await;
    let ty = watched_type(
        &client,
        "Mailed",
        spec(
            NotificationTransport::Email,
            "requester@example.com",
            &[EventType::HitCreated],
        ),
    )
    .await;
    let hit = hit_of(&client, &ty).await;
    all_delivered(&db, 1).await;
    assert!(server.terminate().success());
    let log = server.stderr_text();
    let line = log
        .lines()
        .find(|l| l.contains("email destination"))
        .unwrap_or_else(|| panic!("no log line for the email: {log}"));
    assert!(line.contains("requester@example.com"), "{line}");
    assert!(line.contains(&hit) && line.contains("HITCreated"), "{line}");
}
