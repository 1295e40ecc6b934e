//! Documents (SECURITY.md S12–S16): folders, versions, who sees what, the bin, publishing,
//! streaming transfer with its limits, ranges, file links and the access log — on the local
//! files directory and on a real S3-protocol server.

use crate::helpers::{TestApp, TestTenant, assert_problem, error_fields, problem_type};
use portico_api::config::Config;
use portico_shared::ProblemType;
use portico_shared::client::Client;
use portico_shared::documents::{
    AccessKind, ContentParams, CreateFileLink, CreateFolder, Document, DocumentFilter,
    FolderFilter, PublishDocument, UpdateDocument, UpdateFolder, UploadParams, Visibility,
};
use portico_shared::tenancy::Scope;
use portico_shared::{FolderId, OrganizationId};
use sha2::{Digest, Sha256};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

fn named(name: &str) -> UploadParams {
    UploadParams {
        name: name.into(),
        ..Default::default()
    }
}

/// A PDF-looking file of `size` bytes whose content varies along it.
fn pdf_of(size: usize) -> Vec<u8> {
    let mut bytes = PDF.to_vec();
    bytes.extend((0..size.saturating_sub(PDF.len())).map(|i| (i % 251) as u8));
    bytes.truncate(size);
    bytes
}

async fn upload(
    client: &Client,
    org: OrganizationId,
    params: UploadParams,
    bytes: &[u8],
) -> Document {
    client
        .upload_document(org, &params, bytes.to_vec())
        .await
        .unwrap_or_else(|e| panic!("upload of {} failed: {e}", params.name))
}

async fn names_in(client: &Client, org: OrganizationId, filter: &DocumentFilter) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_documents(org, filter, None)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.sort();
    names
}

async fn audited(app: &TestApp, action: &str) -> usize {
    let mut conn = app.state.db.conn().await.unwrap();
    let n: i64 = portico_api::on_db!(&mut conn, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action).fetch_one(c).await)
    .unwrap();
    n as usize
}

/// Every stored object under the test's files directory.
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.state.config.files_dir(), &mut out);
    out
}

/// Uploads, reads back, versions, ranges and purges on whatever storage `app` uses.
async fn round_trip(app: &TestApp, acme: &TestTenant) {
    let owner = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let first = pdf_of(3 * 1024 * 1024 + 17);
    let doc = upload(
        &owner,
        acme.northwind(),
        named("Engagement letter.pdf"),
        &first,
    )
    .await;
    assert_eq!(doc.version, 1);
    assert_eq!(doc.size, first.len() as i64);
    assert_eq!(doc.content_type, "application/pdf");
    assert_eq!(doc.sha256, hex::encode(Sha256::digest(&first)));
    assert_eq!(doc.uploaded_by_name, "Olivia Owner");

    let second = pdf_of(11 * 1024 * 1024 + 5);
    let v2 = alice.upload_version(doc.id, second.clone()).await.unwrap();
    assert_eq!((v2.version, v2.size), (2, second.len() as i64));
    assert_eq!(v2.uploaded_by_name, "Alice Admin");
    let versions = alice.list_versions(doc.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );

    let current = alice
        .document_content(doc.id, &ContentParams::default())
        .await
        .unwrap();
    assert!(current == second, "the current version comes back whole");
    let old = alice
        .document_content(
            doc.id,
            &ContentParams {
                version: Some(1),
                download: Some(true),
            },
        )
        .await
        .unwrap();
    assert!(old == first, "version 1 is kept");

    let res = alice
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content", doc.id),
        )
        .header("range", "bytes=5000000-5000099")
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 5000000-5000099/{}", second.len()).as_str()
    );
    assert_eq!(res.headers()["content-length"], "100");
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        &second[5_000_000..5_000_100]
    );

    // Deleted, then purged after 30 days: its bytes go too.
    owner.delete_document(doc.id).await.unwrap();
    app.clock.advance(chrono::Duration::days(31));
    app.run_jobs().await;
    let owner = acme.login("owner").await;
    assert_eq!(
        owner.get_document(doc.id).await.unwrap_err().status(),
        Some(404)
    );
}

#[tokio::test]
async fn documents_upload_version_download_and_purge_on_local_files() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    round_trip(&app, &acme).await;

    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    assert_eq!(audited(&app, "document.uploaded").await, 1);
    assert_eq!(audited(&app, "document.version_uploaded").await, 1);
    assert_eq!(audited(&app, "document.downloaded").await, 1);
    assert_eq!(
        audited(&app, "document.viewed").await,
        1,
        "a later range is the same view"
    );
    assert_eq!(audited(&app, "document.deleted").await, 1);
    assert_eq!(audited(&app, "document.purged").await, 1);
}

/// The S3 path, against the S3-protocol server `cargo xtask test` starts on loopback (moto).
#[tokio::test]
async fn documents_upload_version_download_and_purge_on_s3() {
    let Ok(endpoint) = std::env::var("PORTICO_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test the S3 path: set PORTICO_TEST_S3_ENDPOINT"
        );
        eprintln!("PORTICO_TEST_S3_ENDPOINT is not set: the S3 test is skipped");
        return;
    };
    let bucket = format!("portico-test-{}", uuid::Uuid::now_v7().simple());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(
        created.status().is_success(),
        "cannot create the bucket: {}",
        created.status()
    );
    let app = TestApp::spawn_with(|config: &mut Config| {
        config.s3_bucket = Some(bucket.clone());
        config.s3_endpoint = Some(endpoint.clone());
        config.s3_access_key_id = Some("test".into());
        config.s3_secret_access_key = Some("test".into());
    })
    .await;
    let acme = app.tenant("acme").await;

    round_trip(&app, &acme).await;

    assert!(
        stored_files(&app).is_empty(),
        "nothing went to the local files directory"
    );
    let listing = reqwest::Client::new()
        .get(format!("{endpoint}/{bucket}?list-type=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !listing.contains("<Key>"),
        "the purged bytes are gone: {listing}"
    );
}

#[tokio::test]
async fn s15_uploads_are_limited_while_streaming_checked_by_content_and_keyed_by_the_server() {
    let app = TestApp::spawn_with(|config: &mut Config| {
        config.max_upload = 1024 * 1024;
        config.storage_quota = 3 * 1024 * 1024;
    })
    .await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let org = acme.northwind();
    let before = app.data_row_counts().await;

    // Too large by its declared length: refused before the body is read.
    let declared = owner
        .upload_document(org, &named("big.pdf"), pdf_of(1024 * 1024 + 1))
        .await
        .unwrap_err();
    assert_eq!(declared.kind(), Some(ProblemType::PayloadTooLarge));
    // Too large without a declared length (chunked): refused once the count passes the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(pdf_of(64 * 1024))).collect();
    let streamed = owner
        .upload_document(
            org,
            &named("streamed.pdf"),
            reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)),
        )
        .await
        .unwrap_err();
    assert_eq!(streamed.status(), Some(413));
    // Renamed binaries, HTML and SVG are refused by their content.
    for (name, bytes) in [
        ("invoice.pdf", &b"MZ\x90\0\x03\0\0\0 an executable"[..]),
        ("photo.png", b"\x7fELF\x02\x01\x01\0"),
        ("page.txt", b"<html>\0<script>alert(1)</script>"),
        ("logo.svg", b"<svg onload=alert(1)/>"),
    ] {
        let err = owner
            .upload_document(org, &named(name), bytes.to_vec())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(415), "{name}: {err}");
    }
    // Names cannot be paths.
    for name in ["../../etc/passwd", "a/b.pdf", "..", ""] {
        let err = owner
            .upload_document(org, &named(name), PDF.to_vec())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Some(ProblemType::Validation), "{name:?}");
    }
    let empty = owner
        .upload_document(org, &named("empty.pdf"), Vec::new())
        .await
        .unwrap_err();
    assert_eq!(
        error_fields(&serde_json::to_value(empty.problem()).unwrap()),
        vec!["body"]
    );
    assert_eq!(
        app.data_row_counts().await,
        before,
        "a refused upload stores nothing"
    );
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));

    // The quota: three files of 1 MiB less a little fit, the fourth does not.
    for n in 0..3 {
        upload(
            &owner,
            org,
            named(&format!("part {n}.pdf")),
            &pdf_of(1000 * 1024),
        )
        .await;
    }
    let over = owner
        .upload_document(org, &named("one too many.pdf"), pdf_of(200 * 1024))
        .await
        .unwrap_err();
    assert_eq!(over.kind(), Some(ProblemType::QuotaExceeded));
    assert_eq!(over.status(), Some(413));
    let usage = owner.storage_usage().await.unwrap();
    assert_eq!(usage.used_bytes, 3 * 1000 * 1024);
    assert_eq!(usage.quota_bytes, 3 * 1024 * 1024);

    // Keys are made by the server: every stored object sits under the tenant's folder, named
    // by a fresh id, whatever the upload was called.
    let files = stored_files(&app);
    assert_eq!(files.len(), 3);
    let tenant_dir = app
        .state
        .config
        .files_dir()
        .join("tenants")
        .join(acme.id.0.simple().to_string());
    for file in files {
        assert_eq!(file.parent().unwrap(), tenant_dir, "{}", file.display());
        assert!(!file.to_string_lossy().contains("part"));
    }
}

#[tokio::test]
async fn s16_downloads_carry_a_safe_disposition_nosniff_and_answer_ranges() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let name = "Q3 \"final\" Übersicht; v2.pdf";
    let doc = upload(&owner, acme.northwind(), named(name), PDF).await;

    let res = owner
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content?download=true", doc.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Q3 _final_ _bersicht; v2.pdf\"; \
         filename*=UTF-8''Q3%20%22final%22%20%C3%9Cbersicht%3B%20v2.pdf"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // Shown inline only when asked and the type allows it; other types are attachments.
    let inline = owner
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content", doc.id),
        )
        .send()
        .await
        .unwrap();
    assert!(
        inline.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    let csv = upload(&owner, acme.northwind(), named("data.csv"), b"a,b\n1,2\n").await;
    let csv_res = owner
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content", csv.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(csv_res.headers()["content-type"], "text/csv");
    assert!(
        csv_res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        csv_res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );

    // Ranges: the last bytes, and one past the end.
    let tail = owner
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content", doc.id),
        )
        .header("range", "bytes=-6")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &PDF[PDF.len() - 6..]);
    let past = owner
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content", doc.id),
        )
        .header("range", format!("bytes={}-", PDF.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        past.headers()["content-range"],
        format!("bytes */{}", PDF.len()).as_str()
    );
    assert_problem(past, 416).await;
    // A version that does not exist.
    let missing = owner
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content?version=9", doc.id),
        )
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404).await;
}

#[tokio::test]
async fn s16_file_links_work_for_five_minutes_for_their_person_only_while_their_session_lasts() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let doc = upload(&owner, acme.northwind(), named("Plan.pdf"), PDF).await;
    let anonymous = app.http();

    let link = alice
        .create_file_link(
            doc.id,
            &CreateFileLink {
                version: None,
                download: true,
            },
        )
        .await
        .unwrap();
    assert!(link.url.starts_with("/api/v1/files?token="), "{}", link.url);
    let res = anonymous.get(app.url(&link.url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let log = owner.access_log(doc.id, None).await.unwrap().items;
    assert_eq!(
        (log[0].kind, log[0].name.as_str()),
        (AccessKind::Download, "Alice Admin")
    );

    // Tampered, of another kind (an access token), or expired: 404 like no link at all.
    let token = link.url.split("token=").nth(1).unwrap();
    let mut tampered = token.to_string();
    tampered.replace_range(tampered.len() - 3.., "AAA");
    for bad in [
        format!("/api/v1/files?token={tampered}"),
        format!("/api/v1/files?token={}", alice.access_token().unwrap()),
    ] {
        assert_problem(anonymous.get(app.url(&bad)).send().await.unwrap(), 404).await;
    }
    app.clock.advance(chrono::Duration::seconds(300 + 11));
    assert_problem(anonymous.get(app.url(&link.url)).send().await.unwrap(), 404).await;

    // Once the session that made it ends, a fresh link stops working too.
    let alice = acme.login("alice").await;
    let link = alice
        .create_file_link(doc.id, &CreateFileLink::default())
        .await
        .unwrap();
    alice.logout().await.unwrap();
    assert_problem(anonymous.get(app.url(&link.url)).send().await.unwrap(), 404).await;
}

#[tokio::test]
async fn s12_contacts_see_documents_by_scope_and_visibility_and_never_the_bin() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let org = acme.northwind();
    upload(&owner, org, named("For everyone.pdf"), PDF).await;
    let internal = upload(
        &owner,
        org,
        UploadParams {
            visibility: Some(Visibility::Staff),
            ..named("Internal notes.pdf")
        },
        PDF,
    )
    .await;
    upload(
        &owner,
        org,
        UploadParams {
            visibility: Some(Visibility::Scope),
            scope: Some(Scope::Sign),
            ..named("For signers.pdf")
        },
        PDF,
    )
    .await;
    let binned = upload(&owner, org, named("Old.pdf"), PDF).await;
    owner.delete_document(binned.id).await.unwrap();

    let all = DocumentFilter::default();
    assert_eq!(
        names_in(&owner, org, &all).await,
        ["For everyone.pdf", "For signers.pdf", "Internal notes.pdf"]
    );
    // Alice has every scope; Dave has documents but not sign; Bob is billing-only.
    let alice = acme.login("alice").await;
    assert_eq!(
        names_in(&alice, org, &all).await,
        ["For everyone.pdf", "For signers.pdf"]
    );
    let dave = acme.login("dave").await;
    assert_eq!(names_in(&dave, org, &all).await, ["For everyone.pdf"]);
    let bob = acme.login("bob").await;
    assert_eq!(
        bob.list_documents(org, &all, None)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    // Carol is not of Northwind at all.
    let carol = acme.login("carol").await;
    assert_eq!(
        carol
            .list_documents(org, &all, None)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    // What a contact may not see does not exist for them, the bin included.
    for id in [internal.id, binned.id] {
        assert_eq!(
            alice.get_document(id).await.unwrap_err().status(),
            Some(404)
        );
        let res = alice
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/documents/{id}/content"),
            )
            .send()
            .await
            .unwrap();
        assert_problem(res, 404).await;
    }
    let bin = DocumentFilter {
        deleted: Some(true),
        ..Default::default()
    };
    assert_eq!(
        alice
            .list_documents(org, &bin, None)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    assert_eq!(names_in(&owner, org, &bin).await, ["Old.pdf"]);
    // A contact's upload is the organisation's; they cannot hide it from their colleagues.
    let hidden = alice
        .upload_document(
            org,
            &UploadParams {
                visibility: Some(Visibility::Staff),
                ..named("Mine.pdf")
            },
            PDF.to_vec(),
        )
        .await
        .unwrap_err();
    assert_eq!(hidden.kind(), Some(ProblemType::Validation));
}

#[tokio::test]
async fn s13_contacts_cannot_manage_documents_or_folders() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let org = acme.northwind();
    let doc = upload(&owner, org, named("Report.pdf"), PDF).await;
    let folder = owner
        .create_folder(
            org,
            &CreateFolder {
                name: "Tax".into(),
                parent_id: None,
            },
        )
        .await
        .unwrap();
    let before = app.data_row_counts().await;

    let refusals = [
        alice
            .update_document(
                doc.id,
                &UpdateDocument {
                    name: Some("X.pdf".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err(),
        alice.delete_document(doc.id).await.unwrap_err(),
        alice.restore_document(doc.id).await.unwrap_err(),
        alice
            .publish_document(
                doc.id,
                &PublishDocument {
                    organization_ids: vec![org],
                },
            )
            .await
            .unwrap_err(),
        alice
            .create_folder(
                org,
                &CreateFolder {
                    name: "Mine".into(),
                    parent_id: None,
                },
            )
            .await
            .unwrap_err(),
        alice
            .update_folder(
                folder.id,
                &UpdateFolder {
                    name: Some("X".into()),
                    parent_id: None,
                },
            )
            .await
            .unwrap_err(),
        alice.delete_folder(folder.id).await.unwrap_err(),
        alice.storage_usage().await.unwrap_err(),
    ];

    for err in refusals {
        assert_eq!(err.status(), Some(403), "{err}");
    }
    assert_eq!(app.data_row_counts().await, before);
    // But contacts with the documents scope upload, and add versions.
    upload(&alice, org, named("Bank statement.pdf"), PDF).await;
    alice.upload_version(doc.id, PDF.to_vec()).await.unwrap();
}

#[tokio::test]
async fn folders_nest_with_breadcrumbs_move_safely_and_delete_only_when_empty() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let org = acme.northwind();
    let folder = |name: &str, parent: Option<FolderId>| CreateFolder {
        name: name.into(),
        parent_id: parent,
    };
    let tax = owner
        .create_folder(org, &folder("Tax", None))
        .await
        .unwrap();
    let y2025 = owner
        .create_folder(org, &folder("2025", Some(tax.id)))
        .await
        .unwrap();
    let q1 = owner
        .create_folder(org, &folder("Q1", Some(y2025.id)))
        .await
        .unwrap();

    let read = owner.get_folder(q1.id).await.unwrap();
    let crumbs: Vec<&str> = read.ancestors.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(crumbs, ["Tax", "2025"]);
    let children = owner
        .list_folders(
            org,
            &FolderFilter {
                parent_id: Some(tax.id),
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(children.items.len(), 1);
    assert_eq!(children.items[0].name, "2025");
    let top = owner
        .list_folders(org, &FolderFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(
        top.items
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["Tax"]
    );

    // A folder cannot go inside itself or its own subfolder, nor into another organisation.
    for parent in [tax.id, q1.id] {
        let err = owner
            .update_folder(
                tax.id,
                &UpdateFolder {
                    name: None,
                    parent_id: Some(Some(parent)),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Some(ProblemType::Validation));
    }
    let contoso_folder = owner
        .create_folder(acme.contoso(), &folder("Contoso", None))
        .await
        .unwrap();
    let err = owner
        .update_folder(
            tax.id,
            &UpdateFolder {
                name: None,
                parent_id: Some(Some(contoso_folder.id)),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ProblemType::Validation));
    // Moving to the top level and renaming work.
    let moved = owner
        .update_folder(
            q1.id,
            &UpdateFolder {
                name: Some("First quarter".into()),
                parent_id: Some(None),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.parent_id, moved.name.as_str()),
        (None, "First quarter")
    );

    // Documents go in folders, are found by name anywhere, and move.
    let doc = upload(
        &owner,
        org,
        UploadParams {
            folder_id: Some(y2025.id),
            ..named("Return 2025.pdf")
        },
        PDF,
    )
    .await;
    let in_folder = DocumentFilter {
        folder_id: Some(y2025.id),
        ..Default::default()
    };
    assert_eq!(names_in(&owner, org, &in_folder).await, ["Return 2025.pdf"]);
    assert!(
        names_in(&owner, org, &DocumentFilter::default())
            .await
            .is_empty()
    );
    let search = DocumentFilter {
        q: Some("RETURN".into()),
        ..Default::default()
    };
    assert_eq!(names_in(&owner, org, &search).await, ["Return 2025.pdf"]);
    let literal = DocumentFilter {
        q: Some("%".into()),
        ..Default::default()
    };
    assert!(names_in(&owner, org, &literal).await.is_empty());

    let conflict = owner.delete_folder(y2025.id).await.unwrap_err();
    assert_eq!(conflict.status(), Some(409));
    let renamed = owner
        .update_document(
            doc.id,
            &UpdateDocument {
                name: Some("Tax return 2025.pdf".into()),
                folder_id: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.folder_id, renamed.name.as_str()),
        (None, "Tax return 2025.pdf")
    );
    owner.delete_folder(y2025.id).await.unwrap();
    assert_eq!(
        owner.get_folder(y2025.id).await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(audited(&app, "folder.created").await, 4);
    assert_eq!(audited(&app, "folder.deleted").await, 1);
    // A folder of another organisation is no place for an upload.
    let err = owner
        .upload_document(
            org,
            &UploadParams {
                folder_id: Some(contoso_folder.id),
                ..named("x.pdf")
            },
            PDF.to_vec(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some(ProblemType::Validation));
}

#[tokio::test]
async fn the_bin_keeps_documents_for_30_days_and_restore_brings_them_back() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let alice = acme.login("alice").await;
    let org = acme.northwind();
    let doc = upload(&owner, org, named("Keep me.pdf"), PDF).await;

    owner.delete_document(doc.id).await.unwrap();
    let binned = owner.get_document(doc.id).await.unwrap();
    let deleted_at = binned.deleted_at.expect("in the bin");
    assert_eq!(
        binned.purge_at,
        Some(deleted_at + chrono::Duration::days(30))
    );
    assert_eq!(
        alice.get_document(doc.id).await.unwrap_err().status(),
        Some(404)
    );
    // Restored on day 29: the purge due on day 30 leaves it alone.
    app.clock.advance(chrono::Duration::days(29));
    let owner = acme.login("owner").await;
    let restored = owner.restore_document(doc.id).await.unwrap();
    assert_eq!(restored.deleted_at, None);
    app.clock.advance(chrono::Duration::days(2));
    app.run_jobs().await;
    let alice = acme.login("alice").await;
    assert_eq!(
        alice.get_document(doc.id).await.unwrap().name,
        "Keep me.pdf"
    );
    assert_eq!(stored_files(&app).len(), 1);
    assert_eq!(audited(&app, "document.restored").await, 1);
    assert_eq!(audited(&app, "document.purged").await, 0);
}

#[tokio::test]
async fn staff_publish_one_document_to_many_organisations_sharing_its_bytes() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let owner = acme.login("owner").await;
    let doc = upload(&owner, acme.northwind(), named("Price list 2026.pdf"), PDF).await;

    // Another tenant's organisation among them: nothing is published.
    let foreign = owner
        .publish_document(
            doc.id,
            &PublishDocument {
                organization_ids: vec![acme.contoso(), globex.northwind()],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(foreign.status(), Some(404));
    let copies = owner
        .publish_document(
            doc.id,
            &PublishDocument {
                organization_ids: vec![acme.contoso(), acme.contoso()],
            },
        )
        .await
        .unwrap();

    assert_eq!(copies.len(), 1);
    let carol = acme.login("carol").await;
    let copy = carol.get_document(copies[0].id).await.unwrap();
    assert_eq!(
        (copy.name.as_str(), copy.sha256.as_str()),
        (doc.name.as_str(), doc.sha256.as_str())
    );
    assert_eq!(stored_files(&app).len(), 1, "the bytes are stored once");
    assert_eq!(
        owner.storage_usage().await.unwrap().used_bytes,
        PDF.len() as i64
    );
    // The original purged, the copy keeps its bytes.
    owner.delete_document(doc.id).await.unwrap();
    app.clock.advance(chrono::Duration::days(31));
    app.run_jobs().await;
    let carol = acme.login("carol").await;
    assert_eq!(audited(&app, "document.purged").await, 1);
    let bytes = carol
        .document_content(copy.id, &ContentParams::default())
        .await
        .unwrap();
    assert_eq!(bytes, PDF);
    assert_eq!(audited(&app, "document.published").await, 1);
}

#[tokio::test]
async fn customers_see_who_viewed_and_downloaded_their_files() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let alice = acme.login("alice").await;
    let agent = acme.login("agent").await;
    let doc = upload(
        &alice,
        acme.northwind(),
        named("Bank statement.pdf"),
        &pdf_of(4096),
    )
    .await;

    agent
        .document_content(doc.id, &ContentParams::default())
        .await
        .unwrap();
    // A viewer fetching the rest of the file is the same view.
    let rest = agent
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/documents/{}/content", doc.id),
        )
        .header("range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 206);
    alice
        .document_content(
            doc.id,
            &ContentParams {
                version: None,
                download: Some(true),
            },
        )
        .await
        .unwrap();

    let seen_by_alice = alice.access_log(doc.id, None).await.unwrap().items;
    let entries: Vec<(AccessKind, &str, bool)> = seen_by_alice
        .iter()
        .map(|e| (e.kind, e.name.as_str(), e.staff))
        .collect();
    assert_eq!(
        entries,
        [
            (AccessKind::Download, "Alice Admin", false),
            (AccessKind::View, "Aaron Agent", true)
        ]
    );
    // Where from: staff see every address; a contact sees their own people's only.
    assert!(seen_by_alice[0].ip.is_some());
    assert_eq!(seen_by_alice[1].ip, None);
    let seen_by_staff = agent.access_log(doc.id, None).await.unwrap().items;
    assert!(
        seen_by_staff
            .iter()
            .all(|e| e.ip.as_deref() == Some("127.0.0.1"))
    );
    let dave = acme.login("dave").await;
    assert_eq!(dave.access_log(doc.id, None).await.unwrap().items.len(), 2);
    let bob = acme.login("bob").await;
    assert_eq!(
        bob.access_log(doc.id, None).await.unwrap_err().status(),
        Some(403)
    );
}

#[tokio::test]
async fn s14_a_document_update_refuses_unknown_fields_and_a_scope_without_scope_visibility() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let owner = acme.login("owner").await;
    let doc = upload(&owner, acme.northwind(), named("A.pdf"), PDF).await;

    for body in [
        r#"{"organization_id":"00000000-0000-0000-0000-000000000000"}"#,
        r#"{"tenant_id":"00000000-0000-0000-0000-000000000000"}"#,
        r#"{"sha256":"00"}"#,
        r#"{"visibility":"staff","scope":"sign"}"#,
        r#"{"visibility":"scope"}"#,
    ] {
        let res = owner
            .request(
                reqwest::Method::PATCH,
                &format!("/api/v1/documents/{}", doc.id),
            )
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem_type(&problem), "validation", "{body}");
    }
    assert_eq!(owner.get_document(doc.id).await.unwrap(), doc);
}

#[tokio::test]
async fn s15_parallel_uploads_cannot_together_overrun_the_quota() {
    let app = TestApp::spawn_with(|config: &mut Config| {
        config.storage_quota = 1000 * 1024;
    })
    .await;
    let acme = app.tenant("acme").await;
    let org = acme.northwind();
    // Four uploads of 400 KiB, each under the free space, all in flight at once: their
    // bodies trickle in, so each starts before any ends.
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(acme.login("owner").await);
    }
    let slow_body = || {
        let chunks = (0..4).map(|_| pdf_of(100 * 1024));
        let stream =
            futures_util::StreamExt::then(futures_util::stream::iter(chunks), |chunk| async move {
                tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                Ok::<_, std::io::Error>(chunk)
            });
        reqwest::Body::wrap_stream(stream)
    };
    let names: Vec<UploadParams> = (0..4).map(|i| named(&format!("part {i}.pdf"))).collect();
    let uploads = clients
        .iter()
        .zip(&names)
        .map(|(client, name)| client.upload_document(org, name, slow_body()));
    let results = futures_util::future::join_all(uploads).await;
    // Which of them fit depends on how their bodies interleave; that the quota holds does not.
    let stored = results.iter().filter(|r| r.is_ok()).count() as i64;
    assert!((1..=2).contains(&stored), "{results:?}");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.kind(), Some(ProblemType::QuotaExceeded));
    }
    let usage = clients[0].storage_usage().await.unwrap();
    assert_eq!(usage.used_bytes, stored * 400 * 1024);
    assert!(usage.used_bytes <= usage.quota_bytes);
    // Refused uploads leave no reservation behind: the rest of the room is usable.
    clients[0]
        .upload_document(org, &named("last.pdf"), pdf_of(150 * 1024))
        .await
        .unwrap();
    assert_eq!(stored_files(&app).len() as i64, stored + 1);
}
