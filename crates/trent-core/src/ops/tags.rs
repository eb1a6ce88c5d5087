//! Tags on keys.

use std::collections::HashSet;

use trent_protocol::{
    KmsError, ListResourceTagsRequest, ListResourceTagsResponse, Tag, TagResourceRequest,
    UntagResourceRequest,
};

use super::{decode_marker, limit, paginate, require_not_pending_deletion};
use crate::ids::Accept;
use crate::records::TagRecord;
use crate::{Caller, Kms, errors};

/// The most tags one key may carry.
const MAX_TAGS: usize = 50;

/// Checks the tags of one request: no reserved `aws:` keys, no key twice. `existing` is how many
/// tags the key has that the request does not overwrite.
pub(crate) fn check_new_tags(tags: &[Tag], existing: usize) -> Result<(), KmsError> {
    let mut seen = HashSet::new();
    for tag in tags {
        if tag.tag_key.len() >= 4 && tag.tag_key[..4].eq_ignore_ascii_case("aws:") {
            return Err(errors::tag_error("Tags beginning with aws: are reserved"));
        }
        if !seen.insert(tag.tag_key.as_str()) {
            return Err(errors::tag_error("Duplicate tag keys"));
        }
    }
    if existing + seen.len() > MAX_TAGS {
        return Err(errors::tag_error("Too many tags"));
    }
    Ok(())
}

impl Kms {
    pub(crate) fn tag_resource(
        &self,
        caller: &Caller,
        request: TagResourceRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:TagResource", &key)?;
        require_not_pending_deletion(&key)?;
        let tags = request.tags.unwrap_or_default();
        self.update_key(&key, |record, _| {
            let kept = record
                .tags
                .iter()
                .filter(|old| !tags.iter().any(|t| t.tag_key == old.key))
                .count();
            check_new_tags(&tags, kept)?;
            for tag in &tags {
                match record.tags.iter_mut().find(|old| old.key == tag.tag_key) {
                    Some(old) => old.value = tag.tag_value.clone(),
                    None => record.tags.push(TagRecord {
                        key: tag.tag_key.clone(),
                        value: tag.tag_value.clone(),
                    }),
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn untag_resource(
        &self,
        caller: &Caller,
        request: UntagResourceRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:UntagResource", &key)?;
        require_not_pending_deletion(&key)?;
        let remove = request.tag_keys.unwrap_or_default();
        self.update_key(&key, |record, _| {
            record.tags.retain(|tag| !remove.contains(&tag.key));
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn list_resource_tags(
        &self,
        caller: &Caller,
        request: ListResourceTagsRequest,
    ) -> Result<ListResourceTagsResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:ListResourceTags", &key)?;
        let after = decode_marker(request.marker.as_deref())?;
        let limit = limit(request.limit, 50, 50);
        // Positions are indexes in the key's tag order, zero-padded so they sort as text.
        let page = paginate(
            key.record.tags.iter().enumerate().map(|(i, tag)| {
                (
                    format!("{i:04}"),
                    Tag {
                        tag_key: tag.key.clone(),
                        tag_value: tag.value.clone(),
                    },
                )
            }),
            after.as_deref(),
            limit,
        );
        Ok(ListResourceTagsResponse {
            truncated: Some(page.truncated()),
            next_marker: page.next_marker.clone(),
            tags: Some(page.items),
        })
    }
}
