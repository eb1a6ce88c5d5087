//! Policy evaluation on every request: the default key policy (the common case), and a larger
//! policy with conditions and variables, each decided together with an identity policy.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use trent_policy::{
    Caller, Identity, KeyValues, PolicyKind, Request, decide, default_key_policy, parse,
};

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ALICE: Caller<'static> = Caller {
    arn: "arn:aws:iam::111122223333:user/alice",
    account: "111122223333",
    role_arn: None,
};

fn evaluate(c: &mut Criterion) {
    let identity = vec![(
        "kms".to_string(),
        parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey*"],"Resource":"arn:aws:kms:*:111122223333:key/*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap(),
    )];
    let keys = KeyValues::new()
        .with("aws:username", ["alice"])
        .with("kms:encryptioncontext:owner", ["alice"])
        .with("kms:calleraccount", ["111122223333"])
        .with("aws:sourceip", ["10.1.2.3"]);
    let request = Request {
        caller: ALICE,
        action: "kms:Decrypt",
        resource: KEY,
        keys: &keys,
    };
    let default = parse(&default_key_policy("aws", "111122223333"), PolicyKind::Key).unwrap();
    c.bench_function("decide/default key policy", |b| {
        b.iter(|| {
            decide(
                black_box(&default),
                "111122223333",
                Identity {
                    administrator: false,
                    policies: &identity,
                },
                black_box(&request),
            )
        })
    });
    let custom = parse(
        r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
          {"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"},
          {"Sid":"Users","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","kms:EncryptionContext:owner":"${aws:username}"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}},
          {"Sid":"NoOutsiders","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"kms:CallerAccount":["111122223333","444455556666"]}}}
        ]}"#,
        PolicyKind::Key,
    )
    .unwrap();
    c.bench_function("decide/policy with conditions", |b| {
        b.iter(|| {
            decide(
                black_box(&custom),
                "111122223333",
                Identity {
                    administrator: false,
                    policies: &identity,
                },
                black_box(&request),
            )
        })
    });
    let text = default_key_policy("aws", "111122223333");
    c.bench_function("parse/default key policy", |b| {
        b.iter(|| parse(black_box(&text), PolicyKind::Key).unwrap())
    });
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
