//! Element behaviour in headless Chromium, against the real reference server
//! whose address `cargo xtask test` passes in `CROSSCART_TEST_API`.

#![cfg(target_arch = "wasm32")]

use crosscart_web::{configure, connected_elements, forget_cart};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{CustomEvent, Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const API: &str = match option_env!("CROSSCART_TEST_API") {
    Some(a) => a,
    None => "http://127.0.0.1:8080",
};
const HOSTILE_TITLE: &str = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>Sling & \"Bag\"";

fn doc() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Waits (up to 10 s) until `cond` holds; panics with `what` otherwise.
async fn wait_for(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for: {what}");
}

fn setup(api: &str) {
    setup_in(api, "en-US");
}

#[wasm_bindgen(module = "/js/define.js")]
extern "C" {
    /// The loader's element classes (the same file the loader inlines).
    #[wasm_bindgen(js_name = defineElements)]
    fn define_js(specs: JsValue, load: &js_sys::Function, sdk: &JsValue);
}

/// Defines the elements as the loader does, with this test module as the SDK.
fn define_elements() {
    let sdk = js_sys::Object::new();
    let connect = Closure::<dyn Fn(String, HtmlElement, web_sys::ShadowRoot) -> u32>::new(|tag: String, el, root| crosscart_web::connect(&tag, el, root));
    let disconnect = Closure::<dyn Fn(u32)>::new(crosscart_web::disconnect);
    let changed = Closure::<dyn Fn(u32, String)>::new(|id, name: String| crosscart_web::changed(id, &name));
    js_sys::Reflect::set(&sdk, &"connect".into(), connect.as_ref()).unwrap();
    js_sys::Reflect::set(&sdk, &"disconnect".into(), disconnect.as_ref()).unwrap();
    js_sys::Reflect::set(&sdk, &"changed".into(), changed.as_ref()).unwrap();
    connect.forget();
    disconnect.forget();
    changed.forget();
    let sdk: JsValue = sdk.into();
    // Already loaded: elements mount as soon as they connect.
    define_js(crosscart_web::element_specs(), &js_sys::Function::new_no_args("return Promise.reject(new Error('not used'))"), &sdk);
}

/// A headless API call, as the loader makes it.
async fn invoke(name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let array: js_sys::Array = args.iter().collect();
    JsFuture::from(crosscart_web::invoke(name.into(), array)).await
}

/// A clean page: no remembered cart, the given API and locale, elements defined.
fn setup_in(api: &str, locale: &str) {
    forget_cart();
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"apiBase".into(), &api.into()).unwrap();
    js_sys::Reflect::set(&opts, &"locale".into(), &locale.into()).unwrap();
    configure(opts.into()).unwrap();
    crosscart_web::ready().unwrap();
    define_elements();
    root().set_inner_html("");
}

/// The test's own container; the runner keeps its output elsewhere in `<body>`.
fn root() -> Element {
    if let Some(el) = doc().get_element_by_id("cc-test-root") {
        return el;
    }
    let el = doc().create_element("div").unwrap();
    el.set_id("cc-test-root");
    doc().body().unwrap().append_child(&el).unwrap();
    el
}

fn add(html: &str) -> Element {
    let body = root();
    let tpl = doc().create_element("template").unwrap().dyn_into::<web_sys::HtmlTemplateElement>().unwrap();
    tpl.set_inner_html(html);
    let el = tpl.content().first_element_child().unwrap();
    body.append_child(&el).unwrap();
    el
}

fn shadow(el: &Element) -> web_sys::ShadowRoot {
    el.shadow_root().expect("open shadow root")
}

/// The first `[part~=name]` in the element's shadow root (none before it mounts).
fn part(el: &Element, name: &str) -> Option<Element> {
    el.shadow_root()?.query_selector(&format!("[part~={name}]")).unwrap()
}

fn parts(el: &Element, name: &str) -> Vec<Element> {
    let Some(root) = el.shadow_root() else { return Vec::new() };
    let list = root.query_selector_all(&format!("[part~={name}]")).unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect()
}

fn text(el: &Element, name: &str) -> String {
    part(el, name).and_then(|e| e.text_content()).unwrap_or_default()
}

fn click(el: &Element) {
    el.dyn_ref::<HtmlElement>().unwrap().click();
}

/// Records every `name` event reaching the document.
fn record(name: &str) -> Rc<RefCell<Vec<CustomEvent>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| s.borrow_mut().push(e.unchecked_into()));
    doc().add_event_listener_with_callback(name, cb.as_ref().unchecked_ref()).unwrap();
    cb.forget();
    seen
}

fn detail(ev: &CustomEvent, path: &[&str]) -> JsValue {
    path.iter().fold(ev.detail(), |v, k| js_sys::Reflect::get(&v, &(*k).into()).unwrap_or(JsValue::UNDEFINED))
}

#[wasm_bindgen_test]
async fn add_to_cart_updates_count_and_cart_and_emits_typed_events() {
    setup(API);
    let changes = record("cc-cart-change");
    let count = add("<cc-cart-count></cc-cart-count>");
    let cart = add("<cc-cart checkout-url=\"/checkout.html\"></cc-cart>");
    let button = add("<cc-add-to-cart variant=\"v-hostile-1\"><button id=\"buy\">Buy</button></cc-add-to-cart>");
    wait_for("empty cart state", || part(&cart, "empty").is_some()).await;
    assert_eq!(count.get_attribute("empty").as_deref(), Some(""), "an empty cart's badge is marked empty");

    click(&button.query_selector("#buy").unwrap().unwrap());
    wait_for("cc-cart-change after add", || !changes.borrow().is_empty()).await;
    {
        let ev = &changes.borrow()[0];
        assert!(ev.bubbles() && ev.composed(), "cc-* events bubble and cross shadow roots");
        assert_eq!(detail(ev, &["action"]).as_string().as_deref(), Some("add"));
        assert_eq!(detail(ev, &["variant_id"]).as_string().as_deref(), Some("v-hostile-1"));
        assert_eq!(detail(ev, &["quantity"]).as_f64(), Some(1.0));
        assert_eq!(detail(ev, &["cart", "subtotal", "amount"]).as_f64(), Some(1234.0));
    }
    wait_for("badge shows 1", || text(&count, "badge") == "1").await;
    assert!(count.get_attribute("empty").is_none());
    wait_for("one line in cc-cart", || parts(&cart, "line").len() == 1).await;

    // The API's text is shown as text: no element was created from it and nothing ran.
    assert_eq!(text(&cart, "title"), HOSTILE_TITLE);
    assert!(shadow(&cart).query_selector("img[src=x], script, em").unwrap().is_none());
    assert!(js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap().is_undefined());
    // Money from the API, formatted by Intl for en-US.
    assert_eq!(text(&cart, "subtotal"), "€12.34");
    // The demo shop delivers for €4.90 below €50: a shipping row, in the total.
    assert_eq!(text(&cart, "shipping"), "€4.90");
    assert_eq!(text(&cart, "total"), "€17.24");
    assert_eq!(part(&cart, "checkout").unwrap().get_attribute("href").as_deref(), Some("/checkout.html"));

    // Stepper: + adds one (shown at once, confirmed by the API, then the event).
    click(&part(&cart, "increase").unwrap());
    wait_for("quantity 2", || text(&count, "badge") == "2").await;
    wait_for("line total 24.68", || text(&cart, "line-total") == "€24.68").await;
    wait_for("the update event", || changes.borrow().len() == 2).await;
    assert_eq!(detail(&changes.borrow()[1], &["action"]).as_string().as_deref(), Some("update"));

    // Typing a quantity.
    let input: web_sys::HtmlInputElement = part(&cart, "quantity").unwrap().dyn_into().unwrap();
    input.set_value("5");
    input.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    wait_for("quantity 5", || text(&count, "badge") == "5").await;

    click(&part(&cart, "remove").unwrap());
    wait_for("empty again", || part(&cart, "empty").is_some()).await;
    wait_for("the remove event", || detail(changes.borrow().last().unwrap(), &["action"]).as_string().as_deref() == Some("remove")).await;
    wait_for("badge marked empty", || count.get_attribute("empty").is_some()).await;
}

#[wasm_bindgen_test]
async fn form_inside_add_to_cart_uses_its_fields_and_the_page_can_veto() {
    setup(API);
    let changes = record("cc-cart-change");
    let requests = record("cc-add-to-cart-request");
    let count = add("<cc-cart-count show-zero></cc-cart-count>");
    let el = add(
        "<cc-add-to-cart><form action=\"/cart/add\" method=\"post\">\
           <select name=\"variant\"><option value=\"v-nova-12-1\">Graphite</option><option value=\"v-nova-12-2\" selected>Ocean</option></select>\
           <input name=\"quantity\" value=\"3\"><button id=\"go\">Add</button></form></cc-add-to-cart>",
    );
    wait_for("badge shows 0 with show-zero", || text(&count, "badge") == "0").await;

    // A listener that vetoes the request: nothing is added.
    let veto = Closure::<dyn FnMut(web_sys::Event)>::new(|e: web_sys::Event| e.prevent_default());
    doc().add_event_listener_with_callback("cc-add-to-cart-request", veto.as_ref().unchecked_ref()).unwrap();
    click(&el.query_selector("#go").unwrap().unwrap());
    // Dispatch is synchronous: by now the request event ran, and an add that
    // went ahead would already have marked the element busy.
    assert_eq!(requests.borrow().len(), 1);
    assert!(requests.borrow()[0].cancelable());
    assert!(el.get_attribute("aria-busy").is_none(), "a vetoed add must not start");
    assert!(changes.borrow().is_empty(), "a vetoed add must not change the cart");
    assert_eq!(text(&count, "badge"), "0");
    doc().remove_event_listener_with_callback("cc-add-to-cart-request", veto.as_ref().unchecked_ref()).unwrap();

    click(&el.query_selector("#go").unwrap().unwrap());
    wait_for("cart change", || !changes.borrow().is_empty()).await;
    assert_eq!(detail(&changes.borrow()[0], &["variant_id"]).as_string().as_deref(), Some("v-nova-12-2"));
    assert_eq!(detail(&changes.borrow()[0], &["quantity"]).as_f64(), Some(3.0));
    wait_for("badge 3", || text(&count, "badge") == "3").await;
}

#[wasm_bindgen_test]
async fn bad_input_and_unknown_variants_show_errors_and_lose_nothing() {
    setup(API);
    let errors = record("cc-error");
    let good = add("<cc-add-to-cart variant=\"v-trail-boots-2\"><button id=\"good\">Add</button></cc-add-to-cart>");
    let cart = add("<cc-cart></cc-cart>");
    click(&good.query_selector("#good").unwrap().unwrap());
    wait_for("one line", || parts(&cart, "line").len() == 1).await;

    let unknown = add("<cc-add-to-cart variant=\"no-such-variant\"><button id=\"bad\">Add</button></cc-add-to-cart>");
    click(&unknown.query_selector("#bad").unwrap().unwrap());
    wait_for("cc-error for the unknown variant", || !errors.borrow().is_empty()).await;
    assert_eq!(detail(&errors.borrow()[0], &["code"]).as_string().as_deref(), Some("unknown_variant"));
    wait_for("status shows the error", || !text(&unknown, "status").is_empty()).await;
    assert_eq!(part(&unknown, "status").unwrap().get_attribute("data-state").as_deref(), Some("error"));

    let absurd = add("<cc-add-to-cart variant=\"v-trail-boots-2\" quantity=\"-4\"><button id=\"neg\">Add</button></cc-add-to-cart>");
    click(&absurd.query_selector("#neg").unwrap().unwrap());
    let codes = || errors.borrow().iter().map(|e| detail(e, &["code"]).as_string().unwrap_or_default()).collect::<Vec<_>>();
    for _ in 0..100 {
        if errors.borrow().len() >= 2 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(codes(), ["unknown_variant", "invalid_quantity"], "each failure reported once");
    assert_eq!(detail(&errors.borrow()[1], &["code"]).as_string().as_deref(), Some("invalid_quantity"));

    // Nothing was lost or added by the failures.
    assert_eq!(parts(&cart, "line").len(), 1);
    assert_eq!(part(&cart, "quantity").unwrap().dyn_into::<web_sys::HtmlInputElement>().unwrap().value(), "1");
}

#[wasm_bindgen_test]
async fn an_unreachable_api_shows_an_error_with_retry() {
    // Remember a cart id so the element has something to load, then point at a closed port.
    setup(API);
    let button = add("<cc-add-to-cart variant=\"v-wireless-mouse-1\"><button id=\"b\">Add</button></cc-add-to-cart>");
    let count = add("<cc-cart-count></cc-cart-count>");
    click(&button.query_selector("#b").unwrap().unwrap());
    wait_for("added", || text(&count, "badge") == "1").await;
    let key = format!("crosscart:cart:{API}");
    let cart_id = web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item(&key).unwrap().unwrap();

    let dead = "http://127.0.0.1:9";
    setup(dead);
    web_sys::window().unwrap().local_storage().unwrap().unwrap().set_item(&format!("crosscart:cart:{dead}"), &cart_id).unwrap();
    let cart = add("<cc-cart></cc-cart>");
    wait_for("error state", || part(&cart, "error").is_some()).await;
    assert_eq!(part(&cart, "error").unwrap().get_attribute("role").as_deref(), Some("alert"));

    // Back online: retry loads the same cart, nothing lost.
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"apiBase".into(), &API.into()).unwrap();
    configure(opts.into()).unwrap();
    web_sys::window().unwrap().local_storage().unwrap().unwrap().set_item(&key, &cart_id).unwrap();
    click(&part(&cart, "retry").unwrap());
    wait_for("the line is back", || parts(&cart, "line").len() == 1).await;
}

/// A backend that takes the request and never answers: after 15 s the cart
/// shows a clear error; back on the real API, retry brings the same cart back.
#[wasm_bindgen_test]
async fn a_silent_api_times_out_with_a_clear_error_and_loses_nothing() {
    let Some(silent) = option_env!("CROSSCART_SILENT_API") else { panic!("CROSSCART_SILENT_API is set by cargo xtask test") };
    setup(API);
    let button = add("<cc-add-to-cart variant=\"v-boot-laces-1\"><button id=\"b\">Add</button></cc-add-to-cart>");
    let count = add("<cc-cart-count></cc-cart-count>");
    click(&button.query_selector("#b").unwrap().unwrap());
    wait_for("added", || text(&count, "badge") == "1").await;
    let key = format!("crosscart:cart:{API}");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let cart_id = storage.get_item(&key).unwrap().unwrap();

    setup(silent);
    storage.set_item(&format!("crosscart:cart:{silent}"), &cart_id).unwrap();
    let started = js_sys::Date::now();
    let cart = add("<cc-cart></cc-cart>");
    for _ in 0..1250 {
        if part(&cart, "error").is_some() {
            break;
        }
        sleep(20).await;
    }
    let waited = js_sys::Date::now() - started;
    assert!(part(&cart, "error").is_some(), "no error after {waited} ms");
    assert!((14_000.0..22_000.0).contains(&waited), "gave up after {waited} ms, expected about 15 s");
    assert!(text(&cart, "error").contains("did not answer within 15 s"), "{}", text(&cart, "error"));

    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"apiBase".into(), &API.into()).unwrap();
    configure(opts.into()).unwrap();
    storage.set_item(&key, &cart_id).unwrap();
    click(&part(&cart, "retry").unwrap());
    wait_for("the line is back", || parts(&cart, "line").len() == 1).await;
}

#[wasm_bindgen_test]
async fn registration_is_guarded_and_disconnect_cleans_up() {
    setup(API);
    // Defining twice is harmless.
    define_elements();
    define_elements();
    // A name someone else owns is left alone, without an error.
    let taken = js_sys::Function::new_no_args("const c = class extends HTMLElement {}; customElements.define('cc-theme-owned', c); return c;");
    let theirs = taken.call0(&JsValue::NULL).unwrap();
    let specs = js_sys::JSON::parse(r#"[["cc-theme-owned", [], null]]"#).unwrap();
    define_js(specs, &js_sys::Function::new_no_args("return Promise.resolve({})"), &JsValue::UNDEFINED);
    let now = js_sys::Function::new_no_args("return customElements.get('cc-theme-owned')").call0(&JsValue::NULL).unwrap();
    assert!(js_sys::Object::is(&now, &theirs), "the theme's class stays");

    let before = connected_elements();
    let el = add("<cc-cart-count></cc-cart-count>");
    assert_eq!(connected_elements(), before + 1);
    assert!(el.shadow_root().is_some());
    el.remove();
    assert_eq!(connected_elements(), before, "disconnect unmounts and forgets the element");
    // Re-attaching mounts again into the same shadow root, without duplicates.
    root().append_child(&el).unwrap();
    assert_eq!(connected_elements(), before + 1);
    wait_for("badge rendered once", || parts(&el, "badge").len() == 1).await;

    // Attribute changes reach the element.
    let adder = add("<cc-add-to-cart variant=\"\"><button id=\"x\">Add</button></cc-add-to-cart>");
    let changes = record("cc-cart-change");
    adder.set_attribute("variant", "v-earbud-tips-1").unwrap();
    click(&adder.query_selector("#x").unwrap().unwrap());
    wait_for("added the variant set later", || !changes.borrow().is_empty()).await;
    assert_eq!(detail(&changes.borrow()[0], &["variant_id"]).as_string().as_deref(), Some("v-earbud-tips-1"));
}

#[wasm_bindgen_test]
async fn two_quick_adds_without_a_cart_make_one_cart_with_both_lines() {
    setup(API);
    let changes = record("cc-cart-change");
    let a = add("<cc-add-to-cart variant=\"v-lens-pouch-1\"><button id=\"a\">A</button></cc-add-to-cart>");
    let b = add("<cc-add-to-cart variant=\"v-uv-filter-58-1\"><button id=\"b\">B</button></cc-add-to-cart>");
    let cart = add("<cc-cart></cc-cart>");
    // Both clicks in the same tick, before any cart exists.
    click(&a.query_selector("#a").unwrap().unwrap());
    click(&b.query_selector("#b").unwrap().unwrap());
    wait_for("two changes", || changes.borrow().len() == 2).await;
    let id = |i: usize| detail(&changes.borrow()[i], &["cart", "id"]).as_string().unwrap();
    assert_eq!(id(0), id(1), "both adds went to the same cart");
    wait_for("both lines shown", || parts(&cart, "line").len() == 2).await;
}

#[wasm_bindgen_test]
async fn ukrainian_locale_words_and_money() {
    setup_in(API, "uk-UA");
    let cart = add("<cc-cart></cc-cart>");
    let count = add("<cc-cart-count show-zero></cc-cart-count>");
    wait_for("empty text in Ukrainian", || text(&cart, "empty") == "Ваш кошик порожній.").await;
    let button = add("<cc-add-to-cart variant=\"v-boot-laces-1\" quantity=\"2\"><button id=\"u\">Додати</button></cc-add-to-cart>");
    click(&button.query_selector("#u").unwrap().unwrap());
    wait_for("two items", || text(&count, "badge") == "2").await;
    assert_eq!(part(&count, "badge").unwrap().get_attribute("aria-label").as_deref(), Some("Кошик: 2 товари"));
    wait_for("line shown", || parts(&cart, "line").len() == 1).await;
    // The API's 2 × 6.00, formatted exactly as Intl does for uk-UA ("12,00 EUR" in Chromium).
    let intl = js_sys::Function::new_no_args("return new Intl.NumberFormat('uk-UA', {style: 'currency', currency: 'EUR'}).format('12.00')");
    let expected = intl.call0(&JsValue::NULL).unwrap().as_string().unwrap();
    assert!(expected.contains("12,00"), "{expected:?}");
    assert_eq!(text(&cart, "subtotal"), expected);
    assert!(text(&cart, "free-shipping").starts_with("Ще 38,00"), "{}", text(&cart, "free-shipping"));
    assert_eq!(part(&cart, "remove").unwrap().text_content().as_deref(), Some("Видалити"));
}

fn checked(el: &Element) -> bool {
    el.dyn_ref::<web_sys::HtmlInputElement>().unwrap().checked()
}

#[wasm_bindgen_test]
async fn bought_together_shows_a_bundle_and_adds_exactly_the_selected_items() {
    setup(API);
    let bundles = record("cc-bundle-add");
    let el = add("<cc-bought-together product=\"aperture-x100\" limit=\"3\"></cc-bought-together>");
    wait_for("bundle rows", || parts(&el, "item").len() == 4).await;
    let items = parts(&el, "item");
    assert_eq!(items[0].get_attribute("data-product-id").as_deref(), Some("p-aperture-x100"), "the anchor comes first");
    assert!(part(&el, "anchor-label").is_some());
    assert!(parts(&el, "checkbox").iter().all(checked), "everything starts selected");
    let total_all = text(&el, "total");
    assert!(total_all.contains("4 items"), "{total_all}");
    // The shop's bundle terms come with the recommendations: 5 % in the demo.
    assert!(text(&el, "offer").starts_with("−5%"), "{}", text(&el, "offer"));
    assert!(part(&el, "full-price").is_some(), "two or more ticked: the full price is struck through");

    // Untick the last complement: the total follows, from the API's prices.
    let dropped = items[3].get_attribute("data-product-id").unwrap();
    click(&parts(&el, "checkbox")[3]);
    wait_for("total for 3", || text(&el, "total").contains("3 items")).await;
    assert_ne!(text(&el, "total"), total_all);

    // Read what is selected now: the rows' nodes are reused when the list reloads after the add.
    let expected: Vec<String> = items[..3].iter().map(|i| i.get_attribute("data-product-id").unwrap()).collect();
    click(&part(&el, "add").unwrap());
    wait_for("cc-bundle-add", || !bundles.borrow().is_empty()).await;
    let ev = bundles.borrow()[0].clone();
    let ev = &ev;
    assert!(ev.bubbles() && ev.composed());
    let added: Vec<String> = js_sys::Array::from(&detail(ev, &["items"])).iter()
        .map(|i| js_sys::Reflect::get(&i, &"product_id".into()).unwrap().as_string().unwrap()).collect();
    assert_eq!(added, expected, "exactly the selected items");
    let lines = js_sys::Array::from(&detail(ev, &["cart", "lines"]));
    let in_cart: Vec<String> = lines.iter().map(|l| js_sys::Reflect::get(&l, &"product_id".into()).unwrap().as_string().unwrap()).collect();
    assert_eq!(in_cart.len(), 3);
    assert!(!in_cart.contains(&dropped));
    // The API priced them as a bundle: total = subtotal − discount, discount > 0.
    let amount = |path: &[&str]| detail(ev, path).as_f64().unwrap_or(0.0);
    assert!(amount(&["cart", "discount", "amount"]) > 0.0);
    assert_eq!(amount(&["cart", "total", "amount"]), amount(&["cart", "subtotal", "amount"]) - amount(&["cart", "discount", "amount"]));

    // What is now in the cart is no longer offered.
    wait_for("added complements no longer offered", || {
        let now: Vec<String> = parts(&el, "item").iter().filter_map(|i| i.get_attribute("data-product-id")).collect();
        !now.is_empty() && expected[1..].iter().all(|p| !now.contains(p))
    }).await;
}

#[wasm_bindgen_test]
async fn bought_together_from_the_cart_and_from_a_model_file_in_the_browser() {
    setup(API);
    let button = add("<cc-add-to-cart variant=\"v-nova-12-1\"><button id=\"n\">Add</button></cc-add-to-cart>");
    click(&button.query_selector("#n").unwrap().unwrap());
    let count = add("<cc-cart-count></cc-cart-count>");
    wait_for("phone in the cart", || text(&count, "badge") == "1").await;

    let ids = |el: &Element| parts(el, "item").iter().filter_map(|i| i.get_attribute("data-product-id")).collect::<Vec<_>>();
    let from_cart = add("<cc-bought-together from-cart></cc-bought-together>");
    wait_for("cart-seeded rows", || !parts(&from_cart, "item").is_empty()).await;
    let server_side = ids(&from_cart);
    assert!(!server_side.contains(&"p-nova-12".to_owned()), "cart items are not offered: {server_side:?}");
    assert!(part(&from_cart, "anchor-label").is_none());
    // The phone's planted complements: case, glass, charger.
    assert!(server_side.iter().any(|p| p.starts_with("p-nova-12-") || p == "p-charger-30w"), "{server_side:?}");

    // The same question scored in the browser from the model file gives the same answer.
    let model = format!("<cc-bought-together from-cart model=\"{API}/v1/recommendations/model\"></cc-bought-together>");
    let in_browser = add(&model);
    wait_for("model-scored rows", || !parts(&in_browser, "item").is_empty()).await;
    assert_eq!(ids(&in_browser), server_side);
}

#[wasm_bindgen_test]
async fn bought_together_hides_when_there_is_nothing_to_offer_and_reports_errors() {
    setup(API);
    let none = add("<cc-bought-together product=\"p-hostile\"></cc-bought-together>");
    wait_for("hidden", || none.has_attribute("hidden")).await;
    assert!(parts(&none, "item").is_empty());

    let broken = add("<cc-bought-together product=\"aperture-x100\" model=\"/no/such/model.ccfbt\"></cc-bought-together>");
    wait_for("error state", || part(&broken, "error").is_some()).await;
    assert_eq!(part(&broken, "error").unwrap().get_attribute("role").as_deref(), Some("alert"));
    assert!(!broken.has_attribute("hidden"));
}

#[wasm_bindgen_test]
fn store_zones_come_from_intl() {
    use crosscart_core::store::Zone;
    use crosscart_web::js::IntlZone;
    let kyiv = IntlZone::new("Europe/Kyiv").expect("Chromium knows Kyiv");
    // 2026-01-15 12:00 UTC (winter, +2) and 2026-07-15 12:00 UTC (summer, +3).
    assert_eq!(kyiv.offset_minutes(1_768_478_400_000), 120);
    assert_eq!(kyiv.offset_minutes(1_784_116_800_000), 180);
    // The DST switch: 2026-03-29 00:59 UTC is still +2, 01:00 is +3.
    assert_eq!(kyiv.offset_minutes(1_774_745_940_000), 120);
    assert_eq!(kyiv.offset_minutes(1_774_746_000_000), 180);
    assert_eq!(IntlZone::new("Asia/Kolkata").unwrap().offset_minutes(0), 330);
    assert!(IntlZone::new("Mars/Olympus_Mons").is_none(), "an unknown zone means unknown hours, not UTC");
    assert!(IntlZone::new("").is_none());
}

#[wasm_bindgen_test]
async fn store_stock_in_ukrainian_reserves_into_the_cart() {
    setup_in(API, "uk-UA");
    let cart = add("<cc-cart></cc-cart>");
    // Kyiv's own coordinates: the Kyiv store is 0 m away.
    let el = add("<cc-store-stock variant=\"v-boot-laces-1\" lat=\"50.4474\" lon=\"30.5226\" limit=\"3\"></cc-store-stock>");
    wait_for("store list", || !parts(&el, "store").is_empty()).await;
    assert_eq!(text(&el, "heading"), "Забрати в магазині");
    let stores = parts(&el, "store");
    assert!(stores.len() >= 3, "three nearest, plus the nearest with stock if further");
    let kyiv = shadow(&el).query_selector("[data-store-id=kyiv]").unwrap().expect("Kyiv listed");
    assert!(kyiv.text_content().unwrap().contains("0 м"), "{:?}", kyiv.text_content());
    let level = kyiv.query_selector("[part~=level]").unwrap().unwrap().text_content().unwrap();
    assert!(["В наявності", "Немає в наявності"].iter().any(|w| level.starts_with(w)) || level.starts_with("Закінчується · Залишилось"), "{level}");
    // The nearest store that has the laces is always listed, so there is something to reserve.
    let button = parts(&el, "reserve").into_iter().next().expect("a store with the laces is listed");
    let store_id = button.closest("[data-store-id]").unwrap().unwrap().get_attribute("data-store-id").unwrap();
    let changes = record("cc-cart-change");
    click(&button);
    wait_for("reserved", || text(&el, "message").starts_with("Зарезервовано — у кошику")).await;
    assert_eq!(changes.borrow().len(), 1);
    wait_for("pickup line in the cart", || parts(&cart, "fulfillment").len() == 1).await;
    let line = part(&cart, "fulfillment").unwrap();
    assert_eq!(line.get_attribute("data-store-id").as_deref(), Some(store_id.as_str()));
    wait_for("store name, not id", || text(&cart, "fulfillment").starts_with("Самовивіз з магазину: Crosscart")).await;
    assert!(text(&cart, "reservation").starts_with("Резерв до "), "{}", text(&cart, "reservation"));
}

/// The replicated cart's random schedules (the same seeds the native test
/// runs), under WebAssembly in Chromium: the merge converges on both targets.
#[wasm_bindgen_test]
fn replicated_cart_converges_under_wasm() {
    crosscart_core::sync::sim::check_many(20_261_122, 500).unwrap();
}

/// A real order, then its offer in Ukrainian: `<cc-viewed>` remembers the
/// view on the device, and the dialog (or, for the holdout group, nothing)
/// shows texts, countdown and points from the API.
#[wasm_bindgen_test]
async fn post_checkout_offer_in_ukrainian_after_a_real_order() {
    setup_in(API, "uk-UA");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("crosscart:viewed").unwrap();
    let viewed = || -> Vec<String> {
        let Some(stored) = storage.get_item("crosscart:viewed").unwrap() else { return Vec::new() };
        js_sys::JSON::parse(&stored).unwrap().unchecked_into::<js_sys::Array>().iter().map(|e| js_sys::Reflect::get(&e, &"p".into()).unwrap().as_string().unwrap()).collect()
    };
    for (product, seen) in [("p-uv-filter-58", 1), ("p-lens-cleaning-kit", 2), ("p-uv-filter-58", 2)] {
        add(&format!("<cc-viewed product=\"{product}\"></cc-viewed>"));
        wait_for("view recorded", || viewed().len() == seen && viewed()[0] == product).await;
    }
    assert_eq!(viewed(), ["p-uv-filter-58", "p-lens-cleaning-kit"], "newest first, no duplicates");
    let run = (js_sys::Math::random() * 1e12) as u64;
    let mut shown = 0;
    let impressions = record("cc-offer-impression");
    // One in ten customers is held out by the default experiment: try a few.
    for attempt in 0..8 {
        forget_cart();
        invoke("addToCart", &["v-trail-boots-1".into(), 1.into()]).await.unwrap();
        let order = invoke("checkout", &[format!("wasm-{run}-{attempt}@example.com").into()]).await.unwrap();
        let field = |k: &str| js_sys::Reflect::get(&order, &k.into()).unwrap().as_string().unwrap();
        let el = add(&format!("<cc-post-checkout order=\"{}\" order-key=\"{}\"></cc-post-checkout>", field("id"), field("key")));
        wait_for("offer decided", || el.has_attribute("data-offer-status")).await;
        let dialog = part(&el, "dialog").unwrap().unchecked_into::<web_sys::HtmlDialogElement>();
        match el.get_attribute("data-offer-status").as_deref() {
            Some("holdout") => assert!(!dialog.open(), "the holdout group sees nothing"),
            Some("open") => {
                wait_for("dialog open", || dialog.open()).await;
                assert_eq!(text(&el, "title"), "Гарно доповнить ваше замовлення");
                assert!(text(&el, "confirmation").contains("Замовлення №"), "{}", text(&el, "confirmation"));
                // The default experiment's arms: 10 % off for 15 minutes, or no discount (and no countdown).
                let variant = detail(impressions.borrow().last().expect("an impression event"), &["variant"]).as_string();
                let timer = text(&el, "timer");
                match variant.as_deref() {
                    Some("discount-10") => {
                        assert!(timer == "15:00" || timer.starts_with("14:"), "{timer}");
                        assert_eq!(parts(&el, "full-price").len(), 3);
                    }
                    Some("no-discount") => assert!(timer.is_empty() && parts(&el, "full-price").is_empty(), "{timer}"),
                    other => panic!("unexpected arm {other:?}"),
                }
                assert_eq!(text(&el, "points"), "Балів нараховано за замовлення: 159");
                assert_eq!(parts(&el, "item").len(), 3);
                assert!(text(&el, "items").contains("UV"), "the viewed filter gets a place: {}", text(&el, "items"));
                click(&part(&el, "dismiss").unwrap());
                wait_for("closed", || !dialog.open()).await;
                shown += 1;
                break;
            }
            other => panic!("unexpected offer status {other:?}"),
        }
    }
    assert_eq!(shown, 1, "eight customers in a row held out (p = 1e-8)");
}
