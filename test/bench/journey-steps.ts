// Figure 6's bookkeeping: each step of the operator's journey with the clicks and fields it took
// and its wall time, and whether the page had to be reloaded to see what it waited for. The
// script clicks and fills only through these, so that what it counts is what it did.
import type { Locator, Page } from "playwright-core";

export interface StepResult {
  step: string;
  clicks: number;
  fields: number;
  ms: number;
  /** The page was reloaded because what the step waited for did not arrive live. */
  reloaded: boolean;
}

export class Journey {
  readonly steps: StepResult[] = [];
  #current?: StepResult;

  constructor(private readonly page: Page) {}

  async step(name: string, run: () => Promise<void>): Promise<void> {
    const s: StepResult = { step: name, clicks: 0, fields: 0, ms: 0, reloaded: false };
    this.#current = s;
    const t0 = performance.now();
    try {
      await run();
    } finally {
      s.ms = performance.now() - t0;
      this.steps.push(s);
      this.#current = undefined;
    }
  }

  async click(target: Locator): Promise<void> {
    this.#current!.clicks++;
    await target.click();
  }

  async fill(target: Locator, value: string): Promise<void> {
    this.#current!.fields++;
    await target.fill(value);
  }

  async select(target: Locator, value: string): Promise<void> {
    this.#current!.fields++;
    await target.selectOption(value);
  }

  /**
   * Waits for `target` on the page as it is, without loading it again (a mark set on the page
   * must survive); if it does not come within `ms`, or the page was loaded again meanwhile, the
   * step is marked as needing a reload, and the page is reloaded once to wait for it again.
   */
  async live(target: Locator, ms: number): Promise<void> {
    await this.page.evaluate(() => ((globalThis as unknown as { stayed: boolean }).stayed = true));
    const arrived = await target.waitFor({ timeout: ms }).then(
      () => true,
      () => false,
    );
    const stayed = await this.page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed === true);
    if (arrived && stayed) return;
    this.#current!.reloaded = true;
    await this.page.reload();
    await target.waitFor({ timeout: ms });
  }
}
