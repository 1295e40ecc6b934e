//! Form pieces: a labelled text field bound to a signal, a password field, a notice, and the
//! browser's own dialogs and file pickers. A failed call's alert is `remote::ActionError`.

use leptos::prelude::*;
use portico_shared::OrganizationId;
use portico_shared::organizations::Organization;

/// What was typed, unless it was only blanks (an optional field left empty is `None`).
pub fn given(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

/// A labelled input whose value lives in `value`.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    /// The input's `type`: `text`, `email`, `password`, `search` …
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// Extra classes on the field, e.g. `grow` in a toolbar.
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    view! {
        <div class=format!("field {class}")>
            <label for=id.clone()>{label}</label>
            <input id=id.clone() name=id type=kind autocomplete=autocomplete placeholder=placeholder
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        </div>
    }
}

/// A short confirmation that something worked, announced politely; nothing when `when` is false.
#[component]
pub fn Notice(#[prop(into)] when: Signal<bool>, text: &'static str) -> impl IntoView {
    view! {
        <Show when=move || when.get()>
            <p class="notice" role="status">{text}</p>
        </Show>
    }
}

/// A new password: one field (browsers offer to generate and save it), with the rule stated.
#[component]
pub fn NewPasswordField(value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for="new-password">"New password"</label>
            <input id="new-password" name="new-password" type="password" autocomplete="new-password"
                required=true minlength="12" aria-describedby="new-password-hint"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
            <p class="hint" id="new-password-hint">"At least 12 characters. A few unrelated words work well."</p>
        </div>
    }
}

/// The organisations to choose from (the first hundred; empty until they arrive or if they
/// cannot be read).
pub fn organization_choices() -> Signal<Vec<Organization>> {
    let all = crate::remote::load(|| async {
        Ok(crate::session::client()
            .list_organizations(Some(100), None)
            .await?
            .items)
    });
    Signal::derive(move || all.get().and_then(Result::ok).unwrap_or_default())
}

/// A checkbox per organisation, bound to the chosen ones (where to send or publish something).
#[component]
pub fn OrganizationPicker(
    #[prop(into)] legend: String,
    organizations: Signal<Vec<Organization>>,
    chosen: RwSignal<Vec<OrganizationId>>,
) -> impl IntoView {
    view! {
        <fieldset class="scope-picker">
            <legend>{legend}</legend>
            {move || organizations.get().into_iter().map(|o| {
                let id = o.id;
                view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&id))
                            on:change=move |ev| chosen.update(|c| {
                                c.retain(|x| *x != id);
                                if event_target_checked(&ev) {
                                    c.push(id);
                                }
                            })/>
                        {format!(" {}", o.name)}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// Asks the browser's own confirmation dialog; `false` when the person cancels.
pub fn confirmed(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// The first file chosen in a file input, from its `change` event.
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    use wasm_bindgen::JsCast;
    ev.target()?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}

/// A chosen file's bytes.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "The file could not be read.".to_string())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[cfg(test)]
mod tests {
    use super::given;

    #[test]
    fn an_optional_field_of_blanks_is_not_given() {
        assert_eq!(given(String::new()), None);
        assert_eq!(given("  \t".into()), None);
        assert_eq!(given(" CRM-7 ".into()).as_deref(), Some(" CRM-7 "));
    }
}
