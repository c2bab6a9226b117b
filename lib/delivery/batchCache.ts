// Robot and template reads shared by the jobs of one worker batch: ten jobs for one robot read it once.
import { robotsStore, type Robot } from '../store/robotsStore';
import { templatesStore, type Template } from '../store/templatesStore';

export class BatchCache {
  private robots = new Map<string, Promise<Robot | undefined>>();
  private templates = new Map<string, Promise<Template | undefined>>();

  robot(id: string): Promise<Robot | undefined> {
    let robot = this.robots.get(id);
    if (!robot) this.robots.set(id, (robot = robotsStore.get(id)));
    return robot;
  }

  template(id: string): Promise<Template | undefined> {
    let template = this.templates.get(id);
    if (!template) this.templates.set(id, (template = templatesStore.get(id)));
    return template;
  }

  /** After a robot was changed by this batch (disabled), later jobs must see the change. */
  forgetRobot(id: string): void {
    this.robots.delete(id);
  }
}
