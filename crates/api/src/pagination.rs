//! Cursor pagination (DESIGN.md): `limit` ≤ 100 and an opaque `cursor`, answering
//! `{items, next_cursor}`. Cursors encode the last id of a page; ids are UUIDv7, so id order is
//! creation order.

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portico_shared::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page};
use serde::Deserialize;
use uuid::Uuid;

/// The query parameters of every list endpoint.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page: 1 to 100 (larger values are clamped to 100). Default 50.
    #[param(minimum = 1)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> u32 {
        self.limit
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
    }

    /// The id the page starts after; a cursor this server did not make is a 422.
    pub fn after(&self) -> Result<Option<Uuid>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| Uuid::from_slice(&b).ok())
            .map(Some)
            .ok_or_else(|| ApiError::invalid("cursor", "not a cursor from this list"))
    }
}

/// Makes a page from up to `limit + 1` rows fetched in id order: the extra row, if present,
/// only says there is a next page.
pub fn page<R, T, E>(
    mut rows: Vec<R>,
    limit: u32,
    id: impl Fn(&R) -> Uuid,
    into: impl Fn(R) -> Result<T, E>,
) -> Result<Page<T>, E> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(id(r).as_bytes()))
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(into).collect::<Result<_, E>>()?,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_clamped_and_cursors_round_trip() {
        assert_eq!(
            PageParams {
                limit: Some(100_000),
                cursor: None
            }
            .limit(),
            100
        );
        assert_eq!(
            PageParams {
                limit: Some(0),
                cursor: None
            }
            .limit(),
            1
        );
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let p = page(ids.clone(), 2, |u| *u, Ok::<_, ()>).unwrap();
        assert_eq!(p.items, ids[..2]);
        let after = PageParams {
            limit: None,
            cursor: p.next_cursor,
        }
        .after()
        .unwrap();
        assert_eq!(after, Some(ids[1]));
        assert!(
            page(ids, 3, |u| *u, Ok::<_, ()>)
                .unwrap()
                .next_cursor
                .is_none()
        );
        assert!(
            PageParams {
                limit: None,
                cursor: Some("nope".into())
            }
            .after()
            .is_err()
        );
    }
}
