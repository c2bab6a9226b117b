// Mustache with a budget: a small event must not render megabytes (nested sections over arrays multiply).
import Mustache from 'mustache';
import { unprocessable } from '../errors';

/** More output than any chat service's message can hold; rendering stops once past it. */
const maxRenderedChars = 200_000;
const maxRenderSteps = 50_000;

class BoundedWriter extends Mustache.Writer {
  private renderedChars = 0;
  private steps = 0;

  // Called for the template and once per section iteration; counting here bounds both output and work.
  renderTokens(...args: Parameters<Mustache.Writer['renderTokens']>): string {
    this.steps += 1;
    if (this.steps > maxRenderSteps) {
      throw unprocessable(`The template repeats too often for this data (more than ${maxRenderSteps} section renders)`);
    }
    const output = super.renderTokens(...args);
    this.renderedChars += output.length;
    if (this.renderedChars > maxRenderedChars) {
      throw unprocessable(
        `The template renders more than ${maxRenderedChars} characters for this data; no chat service accepts more than 20,000 bytes`,
      );
    }
    return output;
  }
}

const noEscaping = { escape: (value: unknown) => String(value) };

/** A chat message is not HTML, so values go in as they are; the JSON encoding of the body keeps them safe. */
export function renderMustache(template: string, view: Record<string, unknown>, field: string): string {
  try {
    return new BoundedWriter().render(template, view, undefined, noEscaping);
  } catch (error) {
    if (error instanceof Error && error.name === 'Unprocessable') throw error;
    throw unprocessable(`The template field ${field} is not valid Mustache: ${(error as Error).message}`, [
      { path: `/${field}`, message: (error as Error).message },
    ]);
  }
}

/** Syntax check at save time, so a broken template is refused when written, not when a report arrives. */
export function mustacheSyntaxError(template: string): string | undefined {
  try {
    Mustache.parse(template);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
