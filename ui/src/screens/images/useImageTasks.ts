import { useCallback, useEffect, useRef, useState } from 'react';
import { createImage, listImageTasks, resumeImageTasks } from '../../api/desk';
import type { DeskError, ImageJob, ImageTaskView } from '../../api/types';

export interface ImageTasks {
  tasks: ImageTaskView[];
  loading: boolean;
  /** Tasks of this screen's own submits still in flight. */
  creating: number;
  create: (job: ImageJob) => Promise<void>;
}

/** Newest first; a progress report replaces the task's older view or adds it on top. */
export function upsertTask(tasks: ImageTaskView[], view: ImageTaskView): ImageTaskView[] {
  const at = tasks.findIndex((t) => t.task.id === view.task.id);
  if (at < 0) return [view, ...tasks];
  const next = tasks.slice();
  // An older report arriving late must not undo a newer one.
  if (next[at].task.updatedAt > view.task.updatedAt) return tasks;
  next[at] = view;
  return next;
}

/** The gallery: stored tasks, tasks a restart interrupted (followed again), and new ones. */
export function useImageTasks(notify: (error: DeskError) => void): ImageTasks {
  const [tasks, setTasks] = useState<ImageTaskView[]>([]);
  const [loading, setLoading] = useState(true);
  const [creating, setCreating] = useState(0);
  // A task outlives the screen that started it (the core follows it, and the gallery lists it
  // when the screen is back); what it reports once the screen is gone is not this screen's state.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    let live = true;
    const progress = (view: ImageTaskView) => {
      if (live) setTasks((current) => upsertTask(current, view));
    };
    void listImageTasks()
      .then(
        (list) => {
          if (!live) return;
          setTasks((current) => list.reduceRight(upsertTask, current));
          // Only after the list: a resumed task's progress then updates its card in place.
          return resumeImageTasks(progress).then((finished) => finished.forEach(progress));
        },
        (error: DeskError) => live && notify(error),
      )
      .catch((error: DeskError) => live && notify(error))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [notify]);

  const create = useCallback(
    async (job: ImageJob) => {
      setCreating((n) => n + 1);
      const show = (view: ImageTaskView) => {
        if (mounted.current) setTasks((current) => upsertTask(current, view));
      };
      try {
        show(await createImage(job, show));
      } catch (error) {
        notify(error as DeskError);
      } finally {
        if (mounted.current) setCreating((n) => n - 1);
      }
    },
    [notify],
  );

  return { tasks, loading, creating, create };
}
