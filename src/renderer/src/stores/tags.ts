// The tags of the open trajectory, with undo: every change goes to the backend at once (it writes the index).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TagJson, TagKind } from '#shared/api.js';
import { api } from '../api/client';
import { baseName } from '../lib/format';
import { markerFrames, tagAtFrame, toggleTagAction } from '../lib/navigation';
import { UndoStack, type TagOps } from '../lib/undo';
import { errorText, useTrajectory } from './trajectory';

export const useTags = defineStore('tags', () => {
  const trajectory = useTrajectory();
  const tags = ref<TagJson[]>([]);
  const tagsError = ref('');
  const undoLabel = ref<string | null>(null);
  const undo = new UndoStack();
  const markers = computed(() => markerFrames(tags.value));

  trajectory.onSwitch(() => {
    tags.value = [];
    tagsError.value = '';
    undo.clear();
    undoLabel.value = null;
  });

  /** The tag shown for a frame (a manual tag wins over a detector one). */
  function tagAt(frame: number): TagJson | undefined {
    return tagAtFrame(tags.value, frame);
  }

  async function loadTags(): Promise<void> {
    const t = trajectory.info;
    if (!t) return;
    try {
      const r = await api.listTags({ trajectoryId: t.id });
      if (trajectory.info === t) {
        tags.value = r.tags.slice().sort((a, b) => a.frame - b.frame || a.id - b.id);
        tagsError.value = '';
      }
    } catch (e) {
      tagsError.value = errorText(e);
    }
  }

  function replaceTag(tag: TagJson): void {
    const i = tags.value.findIndex((x) => x.id === tag.id);
    if (i >= 0) tags.value.splice(i, 1, tag);
    else {
      tags.value.push(tag);
      tags.value.sort((a, b) => a.frame - b.frame || a.id - b.id);
    }
  }

  function ops(): TagOps {
    const t = trajectory.info!;
    return {
      add: async (f, kind, note) => {
        const tag = await api.addTag({ trajectoryId: t.id, frame: f, kind, note });
        replaceTag(tag);
        return tag;
      },
      update: async (tagId, kind, note) => {
        const tag = await api.updateTag({ trajectoryId: t.id, tagId, kind, note });
        replaceTag(tag);
        return tag;
      },
      remove: async (tagId) => {
        await api.deleteTag({ trajectoryId: t.id, tagId });
        tags.value = tags.value.filter((x) => x.id !== tagId);
      },
    };
  }

  async function guarded(work: () => Promise<void>): Promise<void> {
    if (!trajectory.info) return;
    try {
      await work();
      tagsError.value = '';
    } catch (e) {
      tagsError.value = errorText(e);
      await loadTags();
    }
    undoLabel.value = undo.peek();
  }

  async function addTag(f: number, kind: TagKind, note = ''): Promise<void> {
    await guarded(async () => {
      const tag = await ops().add(f, kind, note);
      undo.push({ op: 'added', tagId: tag.id, frame: f });
    });
  }

  async function setTagKind(tag: TagJson, kind: TagKind): Promise<void> {
    if (tag.kind === kind) return;
    await guarded(async () => {
      await ops().update(tag.id, kind, tag.note);
      undo.push({ op: 'updated', tagId: tag.id, frame: tag.frame, before: { kind: tag.kind, note: tag.note } });
    });
  }

  async function setTagNote(tag: TagJson, note: string): Promise<void> {
    if (tag.note === note) return;
    await guarded(async () => {
      await ops().update(tag.id, tag.kind, note);
      undo.push({ op: 'updated', tagId: tag.id, frame: tag.frame, before: { kind: tag.kind, note: tag.note } });
    });
  }

  async function deleteTag(tag: TagJson): Promise<void> {
    await guarded(async () => {
      await ops().remove(tag.id);
      undo.push({ op: 'deleted', tag: { ...tag } });
    });
  }

  /** "Tag frame" / key T at `frame`: see toggleTagAction for the rules. */
  async function toggleTag(frame: number): Promise<void> {
    if (!trajectory.info) return;
    const a = toggleTagAction(tags.value, frame);
    if (a.op === 'add') await addTag(a.frame, a.kind);
    else if (a.op === 'update') await setTagKind(a.tag, a.kind);
    else await deleteTag(a.tag);
  }

  /** Undo the last change; returns the frame it concerned (to show it), or null. */
  async function undoLast(): Promise<number | null> {
    let frame: number | null = null;
    await guarded(async () => {
      frame = await undo.undo(ops());
    });
    return frame;
  }

  async function exportTags(format: 'csv' | 'json'): Promise<{ text: string; name: string } | null> {
    const t = trajectory.info;
    if (!t) return null;
    try {
      const r = await api.exportTags({ trajectoryId: t.id, format });
      const stem = baseName(t.path).replace(/\.[^.]*$/, '') || 'trajectory';
      return { text: r.text, name: `${stem}-tags.${format}` };
    } catch (e) {
      tagsError.value = errorText(e);
      return null;
    }
  }

  async function importTags(text: string, format: 'csv' | 'json'): Promise<string> {
    const t = trajectory.info;
    if (!t) return '';
    try {
      const r = await api.importTags({ trajectoryId: t.id, format, text });
      await loadTags();
      undo.clear();
      undoLabel.value = null;
      const w = r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}: ${r.warnings.slice(0, 3).join('; ')})` : '';
      return `Imported: ${r.inserted} new, ${r.updated} updated${w}.`;
    } catch (e) {
      tagsError.value = errorText(e);
      return '';
    }
  }

  return { tags, tagsError, undoLabel, markers, tagAt, loadTags, addTag, setTagKind, setTagNote, deleteTag, toggleTag, undoLast, exportTags, importTags };
});
