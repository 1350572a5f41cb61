/** The dialogs' focus trap (lib/ui/focus-trap.ts) and the Modal that uses it, in jsdom. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRawSnippet, flushSync, mount, unmount } from 'svelte';
import { tabbables, trapFocus } from '../../src-renderer/src/lib/ui/focus-trap.js';
import Modal from '../../src-renderer/src/lib/ui/Modal.svelte';

const press = (target: Element, key: string, shiftKey = false) => {
  const event = new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true });
  target.dispatchEvent(event);
  return event;
};
const focused = () => (document.activeElement as HTMLElement | null)?.id;

/** A page with an opener button and a dialog-like container of controls, the opener focused. */
function page(inner: string): { opener: HTMLButtonElement; box: HTMLElement } {
  document.body.innerHTML = `<button id="opener">Open</button><button id="behind">Behind</button><div id="box">${inner}</div>`;
  const opener = document.getElementById('opener') as HTMLButtonElement;
  opener.focus();
  return { opener, box: document.getElementById('box')! };
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('trapFocus', () => {
  it('focuses the first control, cycles Tab and Shift+Tab inside, and gives the focus back to the opener', () => {
    const { box } = page('<a id="a" href="#x">link</a><input id="b" /><button id="c">ok</button>');
    const release = trapFocus(box);
    expect(focused()).toBe('a');
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const e = press(document.activeElement!, 'Tab');
      expect(e.defaultPrevented).toBe(true);
      seen.push(focused());
    }
    // After the last control comes the first again, never the page behind.
    expect(seen).toEqual(['b', 'c', 'a', 'b']);
    const back: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      press(document.activeElement!, 'Tab', true);
      back.push(focused());
    }
    expect(back).toEqual(['a', 'c', 'b']);
    release();
    expect(focused()).toBe('opener');
    // Released: Tab is the browser's again.
    expect(press(box.querySelector('#b')!, 'Tab').defaultPrevented).toBe(false);
  });

  it('skips disabled, hidden, inert, tabindex -1 and unchecked radios of a group; starts at [data-autofocus]', () => {
    const { box } = page(`
      <button id="off" disabled>off</button>
      <button id="one">one</button>
      <span hidden><button id="hid">hidden</button></span>
      <div style="display: none"><input id="none" /></div>
      <div inert><input id="inert" /></div>
      <button id="minus" tabindex="-1">skip</button>
      <form><input type="radio" name="r" id="r1" /><input type="radio" name="r" id="r2" checked /></form>
      <input type="hidden" id="h" />
      <button id="safe" data-autofocus>Cancel</button>`);
    expect(tabbables(box).map((el) => el.id)).toEqual(['one', 'r2', 'safe']);
    const release = trapFocus(box);
    expect(focused()).toBe('safe');
    press(document.activeElement!, 'Tab');
    expect(focused()).toBe('one');
    release();
  });

  it('Escape asks the owner to close and goes no further; a dialog without controls keeps the focus on itself', () => {
    const { box } = page('<p>Nothing to press</p>');
    const outside = vi.fn();
    document.addEventListener('keydown', outside);
    const onescape = vi.fn();
    const release = trapFocus(box, { onescape });
    expect(document.activeElement).toBe(box);
    press(box, 'Tab');
    expect(document.activeElement).toBe(box);
    const e = press(box, 'Escape');
    expect(onescape).toHaveBeenCalledOnce();
    expect(e.defaultPrevented).toBe(true);
    expect(outside).not.toHaveBeenCalledWith(expect.objectContaining({ key: 'Escape' }));
    document.removeEventListener('keydown', outside);
    release();
    expect(focused()).toBe('opener');
  });

  it('does not throw the focus at an opener that left the page', () => {
    const { opener, box } = page('<button id="x">x</button>');
    const release = trapFocus(box);
    opener.remove();
    release();
    expect(document.activeElement).not.toBe(opener);
  });
});

describe('Modal', () => {
  it('traps the focus in the dialog, closes on Escape through its owner, and returns the focus to the opener', () => {
    const { opener } = page('');
    const onclose = vi.fn();
    const children = createRawSnippet(() => ({ render: () => '<div><button id="m1">Cancel</button><button id="m2">Delete</button></div>' }));
    const modal = mount(Modal, { target: document.body, props: { label: 'Delete forward web', onclose, children } });
    flushSync();
    const dialog = document.querySelector('dialog')!;
    expect(dialog.getAttribute('aria-label')).toBe('Delete forward web');
    expect(dialog.hasAttribute('open')).toBe(true);
    expect(focused()).toBe('m1');
    press(document.activeElement!, 'Tab');
    press(document.activeElement!, 'Tab');
    expect(focused()).toBe('m1');
    press(document.activeElement!, 'Escape');
    expect(onclose).toHaveBeenCalledOnce();
    // The owner removes the Modal; the focus goes back where it was.
    unmount(modal);
    flushSync();
    expect(document.activeElement).toBe(opener);
  });

  it('returns the focus to the opener also where showModal moves the focus into the dialog first (browsers do)', () => {
    const { opener } = page('');
    const proto = HTMLDialogElement.prototype as HTMLDialogElement & { showModal?: () => void; close?: () => void };
    const had = { showModal: proto.showModal, close: proto.close };
    // What a browser does: open, and focus the first control inside.
    proto.showModal = function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
      this.querySelector<HTMLElement>('button')?.focus();
    };
    proto.close = function (this: HTMLDialogElement) {
      this.removeAttribute('open');
    };
    try {
      const children = createRawSnippet(() => ({ render: () => '<div><button id="m1">Reject</button><button id="m2" data-autofocus>Accept</button></div>' }));
      const modal = mount(Modal, { target: document.body, props: { label: 'Unknown SSH host key', onclose: () => {}, children } });
      flushSync();
      expect(focused()).toBe('m2');
      unmount(modal);
      flushSync();
      expect(document.activeElement).toBe(opener);
    } finally {
      proto.showModal = had.showModal!;
      proto.close = had.close!;
    }
  });

  it('is an alertdialog named by its heading when asked, closing on a backdrop click only when asked', () => {
    page('');
    const onclose = vi.fn();
    const children = createRawSnippet(() => ({ render: () => '<div><h2 id="t">Scan addresses outside your networks?</h2><button>Cancel</button></div>' }));
    const modal = mount(Modal, { target: document.body, props: { role: 'alertdialog', labelledby: 't', onclose, closeOnBackdrop: true, children } });
    flushSync();
    const dialog = document.querySelector('dialog')!;
    expect(dialog.getAttribute('role')).toBe('alertdialog');
    expect(dialog.getAttribute('aria-labelledby')).toBe('t');
    dialog.querySelector('h2')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(onclose).not.toHaveBeenCalled();
    dialog.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(onclose).toHaveBeenCalledOnce();
    unmount(modal);
  });
});
