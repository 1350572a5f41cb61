/**
 * Copies text. The Clipboard API first; where it is refused (the desktop shell denies permission
 * checks, and plain http pages lack it) the old way: a hidden textarea and execCommand('copy').
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    area.style.pointerEvents = 'none';
    const focused = document.activeElement as HTMLElement | null;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    focused?.focus();
    return ok;
  }
}
