/** The Learn cards, loaded once from the engine. */
import type { ConceptId, LearnCard } from '../../../../src-main/contract/learn.js';
import { errorMessage, type Api } from '../api/client.js';

export class LearnState {
  cards = $state.raw<LearnCard[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly api: Api) {}

  async load(): Promise<void> {
    try {
      this.cards = await this.api.call('learn.cards');
      this.loaded = true;
      this.error = null;
    } catch (err) {
      this.error = `Could not load the Learn cards: ${errorMessage(err)}`;
    }
  }

  card(id: ConceptId | string | null): LearnCard | undefined {
    return this.cards.find((card) => card.id === id);
  }

  title(id: ConceptId): string {
    return this.card(id)?.title ?? id;
  }
}
