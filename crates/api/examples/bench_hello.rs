//! H, the bar `cargo xtask bench api` holds Portico against: a bare actix-web server answering
//! every GET with 25 small JSON objects from memory, on the address in `BENCH_BIND`. What
//! Portico adds to it (routing, sign-in, the database, serialising its rows) is the difference.

use actix_web::{App, HttpResponse, HttpServer, web};
use serde::Serialize;

#[derive(Serialize)]
struct Item {
    id: String,
    name: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Page {
    items: Vec<Item>,
    next_cursor: Option<String>,
}

async fn page(data: web::Data<Page>) -> HttpResponse {
    HttpResponse::Ok().json(&**data)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("BENCH_BIND").unwrap_or_else(|_| "127.0.0.1:18081".into());
    let data = web::Data::new(Page {
        items: (0..25)
            .map(|i| Item {
                id: format!("0192f0a0-0000-7000-8000-{i:012}"),
                name: format!("Organisation {i}"),
                status: "active",
            })
            .collect(),
        next_cursor: None,
    });
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::get().to(page))
    })
    .bind(bind)?
    .run()
    .await
}
