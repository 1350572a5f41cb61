/**
 * Keeps the keyboard inside a dialog: Tab and Shift+Tab cycle through the dialog's own controls
 * (never out to the page behind), Escape asks the owner to close, and on release the focus goes
 * back to the element that had it when the dialog opened (the button that opened it), as the
 * WAI-ARIA dialog pattern asks. Plain DOM, so it is unit-tested in jsdom.
 */

/** Elements that can take the focus with Tab, before the checks of {@link tabbables}. */
const FOCUSABLE = [
  'a[href]',
  'area[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  'summary',
  'iframe',
  '[contenteditable="true"]',
  '[tabindex]',
].join(', ');

/** How a trap behaves. */
export interface FocusTrapOptions {
  /** Escape was pressed inside the container: the owner closes the dialog (the trap does not remove anything). */
  onescape?: () => void;
  /** The element focused first; by default the first `[data-autofocus]` inside, else the first control, else the container. */
  initial?: HTMLElement | null;
  /** Where the focus goes back on release; by default the element that has it when the trap is set. */
  opener?: HTMLElement | null;
}

/** The container's controls in the order Tab visits them (document order; tabindex -1, disabled, hidden and inert ones left out). */
export function tabbables(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.closest('[hidden], [inert]') && shown(el, container) && !uncheckedRadio(el),
  );
}

/**
 * Traps the focus in `container` until the returned function is called; that function restores
 * the focus to the element that had it before (when it is still in the page).
 */
export function trapFocus(container: HTMLElement, options: FocusTrapOptions = {}): () => void {
  const opener = options.opener !== undefined ? options.opener : focusedElement();
  const first = options.initial ?? container.querySelector<HTMLElement>('[data-autofocus]') ?? tabbables(container)[0];
  if (first) first.focus();
  else focusContainer(container);

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && options.onescape) {
      // Handled here: neither the page behind nor the native dialog's own cancel acts on it too.
      e.preventDefault();
      e.stopPropagation();
      options.onescape();
      return;
    }
    if (e.key !== 'Tab' || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    const items = tabbables(container);
    if (!items.length) return focusContainer(container);
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = e.shiftKey ? (at <= 0 ? items.length - 1 : at - 1) : at < 0 || at === items.length - 1 ? 0 : at + 1;
    items[next]!.focus();
  };
  container.addEventListener('keydown', onKey);
  return () => {
    container.removeEventListener('keydown', onKey);
    if (opener?.isConnected) opener.focus();
  };
}

/** The element that has the focus (null when only the page has it). */
export function focusedElement(): HTMLElement | null {
  const at = document.activeElement;
  return at instanceof HTMLElement && at !== document.body ? at : null;
}

function focusContainer(container: HTMLElement): void {
  if (!container.hasAttribute('tabindex')) container.tabIndex = -1;
  container.focus();
}

/** False when the element or an ancestor up to the container is display: none or visibility: hidden. */
function shown(el: HTMLElement, container: HTMLElement): boolean {
  for (let at: HTMLElement | null = el; at && at !== container; at = at.parentElement) {
    const style = getComputedStyle(at);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
  }
  return true;
}

/** A radio button of a named group that is not the checked one (Tab visits only the checked radio of a group). */
function uncheckedRadio(el: HTMLElement): boolean {
  if (!(el instanceof HTMLInputElement) || el.type !== 'radio' || el.checked || !el.name) return false;
  const scope: ParentNode = el.form ?? el.ownerDocument;
  return [...scope.querySelectorAll<HTMLInputElement>('input[type="radio"]:checked')].some((other) => other.name === el.name);
}
