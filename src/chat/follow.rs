//! Following the chat live in the browser (after hydration): the signed-in
//! person's unread count for the header and the conversation lists
//! (`ChatLive`, from `GET /chat/events`), and a streaming helper both it
//! and a conversation page use. Streams are open only while the page is
//! visible: a browser allows few connections per site, and a hidden tab has
//! not read what arrives (the stream resumes, with what it missed, when the
//! tab is shown again).

use leptos::prelude::*;

use crate::account::components::AuthContext;

/// The person's unread messages as the live stream last said (`None`
/// before it has, or without JavaScript: the header's own count stands),
/// and a counter bumped whenever the conversation lists may have changed.
#[derive(Clone, Copy)]
pub struct ChatLive {
    pub unread: RwSignal<Option<i64>>,
    pub changed: RwSignal<u64>,
}

impl ChatLive {
    /// Provides the context; once hydrated, follows `/chat/events` while
    /// someone is signed in. Called once by `App`.
    pub fn provide(auth: AuthContext) -> Self {
        let live = ChatLive { unread: RwSignal::new(None), changed: RwSignal::new(0) };
        provide_context(live);
        #[cfg(feature = "hydrate")]
        {
            let following = StoredValue::new_local(None::<Following>);
            Effect::new(move |_| {
                let signed_in = matches!(auth.viewer.get(), Some(Ok(Some(_))));
                following.update_value(|current| match (signed_in, current.is_some()) {
                    (true, false) => *current = Some(live.follow()),
                    (false, true) => {
                        *current = None;
                        live.unread.set(None);
                    }
                    _ => {}
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = auth;
        live
    }

    pub fn use_context() -> Option<Self> {
        use_context::<Self>()
    }

    #[cfg(feature = "hydrate")]
    fn follow(self) -> Following {
        let unread = move |event: web_sys::MessageEvent| {
            #[derive(serde::Deserialize)]
            struct Unread {
                count: i64,
            }
            let Some(Ok(Unread { count })) = event.data().as_string().map(|d| serde_json::from_str::<Unread>(&d))
            else {
                return;
            };
            let before = self.unread.get_untracked();
            self.unread.set(Some(count));
            if before.is_some_and(|before| before != count) {
                self.changed.update(|n| *n += 1);
            }
        };
        let inbox = move |_: web_sys::MessageEvent| self.changed.update(|n| *n += 1);
        Following::start(|| "/chat/events".to_owned(), vec![("unread", Box::new(unread)), ("inbox", Box::new(inbox))])
    }
}

/// A handler of one kind of event.
#[cfg(feature = "hydrate")]
pub type Handler = Box<dyn FnMut(web_sys::MessageEvent)>;

/// Handlers as the browser calls them, by event name.
#[cfg(feature = "hydrate")]
type Listeners = std::rc::Rc<Vec<(&'static str, wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>)>>;

/// An event stream followed while the page is visible; closed when dropped.
#[cfg(feature = "hydrate")]
pub struct Following {
    source: std::rc::Rc<std::cell::RefCell<Option<web_sys::EventSource>>>,
    on_visibility: wasm_bindgen::closure::Closure<dyn FnMut()>,
    _handlers: Listeners,
}

#[cfg(feature = "hydrate")]
impl Following {
    /// Opens `url()` now if the page is visible, closes it when the page is
    /// hidden and opens `url()` again when it is shown (the browser itself
    /// reconnects after a dropped connection, saying the last event id).
    pub fn start(url: impl Fn() -> String + 'static, handlers: Vec<(&'static str, Handler)>) -> Self {
        use std::cell::RefCell;
        use std::rc::Rc;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let handlers: Listeners = Rc::new(
            handlers
                .into_iter()
                .map(|(name, handler)| (name, Closure::<dyn FnMut(web_sys::MessageEvent)>::new(handler)))
                .collect(),
        );
        let source: Rc<RefCell<Option<web_sys::EventSource>>> = Rc::default();
        let document = web_sys::window().and_then(|w| w.document());
        let sync = {
            let (source, handlers, document) = (Rc::clone(&source), Rc::clone(&handlers), document.clone());
            move || {
                let hidden = document.as_ref().is_some_and(web_sys::Document::hidden);
                let mut current = source.borrow_mut();
                match (hidden, current.is_some()) {
                    (true, true) => {
                        if let Some(open) = current.take() {
                            open.close();
                        }
                    }
                    (false, false) => {
                        let Ok(opened) = web_sys::EventSource::new(&url()) else { return };
                        for (name, handler) in handlers.iter() {
                            let _ = opened.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
                        }
                        *current = Some(opened);
                    }
                    _ => {}
                }
            }
        };
        sync();
        let on_visibility = Closure::<dyn FnMut()>::new(sync);
        if let Some(document) = &document {
            let _ =
                document.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
        }
        Following { source, on_visibility, _handlers: handlers }
    }
}

#[cfg(feature = "hydrate")]
impl Drop for Following {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let _ = document
                .remove_event_listener_with_callback("visibilitychange", self.on_visibility.as_ref().unchecked_ref());
        }
        if let Some(open) = self.source.borrow_mut().take() {
            open.close();
        }
    }
}

/// Whether the page is being looked at (what arrives on it is read).
#[cfg(feature = "hydrate")]
pub fn page_visible() -> bool {
    !web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}
