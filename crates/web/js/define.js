// The cc-* element classes: defined at once by the loader, before any
// WebAssembly is fetched. An element that connects asks `load()` for the
// SDK (a below-the-fold one only when it comes near the viewport), then
// hands itself to the WebAssembly side, which mounts it into its shadow
// root; once the SDK is here, elements connect at once. Until then the
// element's own light DOM (a real button or form) stays as the shop built
// it. A name some other script already defined is left alone.
//
// `specs`: [[tag, [observed attributes], rootMargin or null], ...]
// `load`: () => Promise<sdk>, where sdk has connect(tag, el, root) → id,
//   disconnect(id) and changed(id, name); `sdk`: the SDK if already loaded.
export function defineElements(specs, load, sdk) {
  // <cc-viewed> remembers the view on this device at once, before any
  // WebAssembly arrives: a shopper who moves on quickly still counts.
  const early = { 'cc-viewed': (el) => rememberView(el.getAttribute('product')) };
  const mount = (el, tag) => {
    el.__cc = sdk.connect(tag, el, el.shadowRoot || el.attachShadow({ mode: 'open' }));
    // A button pressed while the SDK was on its way is pressed again now.
    if (el.__ccEarly) {
      el.removeEventListener('click', el.__ccEarly);
      const pressed = el.__ccPressed;
      el.__ccEarly = el.__ccPressed = undefined;
      if (pressed?.isConnected) pressed.click();
    }
  };
  for (const [tag, observed, near] of specs) {
    if (customElements.get(tag)) continue;
    customElements.define(tag, class extends HTMLElement {
      static get observedAttributes() { return observed; }
      connectedCallback() {
        early[tag]?.(this);
        if (this.__cc !== undefined || this.__ccWaiting) return;
        // <cc-add-to-cart> before the SDK: a press on its button (one not
        // submitting a form, which works without us) is kept for the mount.
        if (!sdk && tag === 'cc-add-to-cart' && !this.__ccEarly) {
          this.__ccEarly = (e) => {
            const b = e.target.closest && e.target.closest('button');
            if (b && !b.form) this.__ccPressed = b;
          };
          this.addEventListener('click', this.__ccEarly);
        }
        const start = () => {
          if (sdk) return mount(this, tag);
          this.__ccWaiting = true;
          load().then((loaded) => {
            sdk = loaded;
            this.__ccWaiting = false;
            if (this.isConnected && this.__cc === undefined) mount(this, tag);
          }, (error) => {
            this.__ccWaiting = false;
            // The light DOM keeps working; say why the element could not start.
            this.setAttribute('data-cc-error', 'load');
            this.dispatchEvent(new CustomEvent('cc-error', { bubbles: true, composed: true, detail: { action: 'load', code: (error && error.code) || 'load_failed', message: String((error && error.message) || error) } }));
          });
        };
        if (near && typeof IntersectionObserver === 'function') {
          this.__ccObserver = new IntersectionObserver((entries) => {
            if (entries.some((e) => e.isIntersecting)) {
              this.__ccObserver.disconnect();
              this.__ccObserver = undefined;
              start();
            }
          }, { rootMargin: near });
          this.__ccObserver.observe(this);
        } else {
          start();
        }
      }
      disconnectedCallback() {
        if (this.__ccObserver) {
          this.__ccObserver.disconnect();
          this.__ccObserver = undefined;
        }
        if (this.__cc === undefined) return;
        const id = this.__cc;
        this.__cc = undefined;
        sdk.disconnect(id);
      }
      attributeChangedCallback(name, oldValue, value) {
        if (oldValue !== value && this.isConnected) early[tag]?.(this);
        if (this.__cc !== undefined && oldValue !== value) sdk.changed(this.__cc, name);
      }
    });
  }
}

// The device's viewed products, most recent first: localStorage
// `crosscart:viewed` = [{p: product id, at: ms}], at most 20. The same
// format crates/web/src/elements/viewed.rs reads (the only writer is here).
export function rememberView(productId) {
  const p = typeof productId === 'string' ? productId.trim() : '';
  if (!p || p.length > 128) return;
  try {
    let list = JSON.parse(localStorage.getItem('crosscart:viewed') || '[]');
    if (!Array.isArray(list)) list = [];
    list = list.filter((e) => e && typeof e.p === 'string' && typeof e.at === 'number' && e.p !== p);
    list.unshift({ p, at: Date.now() });
    localStorage.setItem('crosscart:viewed', JSON.stringify(list.slice(0, 20)));
  } catch {
    // Storage off or full: the view only makes a later offer more personal.
  }
}
