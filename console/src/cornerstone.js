// Cornerstone3D, the imaging toolkit OHIF is built on, set up once per page and loaded only when a study is opened (it
// is most of the application's weight). Frames come from OneTrip's WADO-RS (/frames: the stored pixels, decoded in a
// web worker; compressed syntaxes by its WebAssembly codecs) with the instances' DICOM JSON metadata, under the
// session's token; Cornerstone draws them (WebGL when the machine has it, else on the CPU).

import { Enums, RenderingEngine, cache, init as initCore } from '@cornerstonejs/core'
import { init as initLoader, wadors } from '@cornerstonejs/dicom-image-loader'
import { currentSession } from './auth.js'

let started = false
let engines = 0

function start() {
  if (started) return
  initCore()
  initLoader({
    maxWebWorkers: Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1)),
    beforeSend: () => ({ Authorization: `Bearer ${currentSession()?.accessToken}` }),
  })
  started = true
}

const value = (dataset, tag) => dataset[tag]?.Value?.[0]

/**
 * The image ids of a series' instances (WADO-RS metadata), ordered by instance number; their metadata is handed to the
 * loader, which needs no other request to place and window them.
 */
export function imageIdsOf(studyUid, seriesUid, metadata) {
  start()
  const root = `${window.location.origin}/dicomweb/studies/${studyUid}/series/${seriesUid}/instances`
  return metadata.map((dataset) => ({ dataset, number: Number(value(dataset, '00200013') || 0) }))
    .sort((a, b) => a.number - b.number)
    .map(({ dataset }) => {
      const imageId = `wadors:${root}/${value(dataset, '00080018')}/frames/1`
      wadors.metaDataManager.add(imageId, dataset)
      return imageId
    })
}

/** The loader's metadata of a series no longer shown, and its images in Cornerstone's cache: a viewer session stays small. */
export function forget(imageIds) {
  for (const imageId of imageIds) {
    wadors.metaDataManager.remove(imageId)
    try {
      if (cache.getImageLoadObject(imageId)) cache.removeImageLoadObject(imageId, { force: true })
    } catch {
      // still loading, or already evicted: the cache lets it go by itself
    }
  }
}

/** One stack viewport on an element: show an image of the stack, window it by hand, report each rendered image. */
export class StackView {
  constructor(element, onRendered) {
    start()
    this.engine = new RenderingEngine(`onetrip-${++engines}`)
    this.engine.enableElement({ viewportId: 'stack', element, type: Enums.ViewportType.STACK })
    this.viewport = this.engine.getViewport('stack')
    this.element = element
    // IMAGE_RENDERED says which viewport drew, not what: the viewport's current image id says that.
    this.listener = () => onRendered(this.viewport.getCurrentImageId())
    element.addEventListener(Enums.Events.IMAGE_RENDERED, this.listener)
  }

  async show(imageIds, index) {
    await this.viewport.setStack(imageIds, index)
    this.viewport.render()
  }

  async go(index) {
    await this.viewport.setImageIdIndex(index)
  }

  /** The displayed image's pixel grid and window, for the page to say. */
  image() {
    const image = this.viewport.csImage
    const voi = this.viewport.getProperties().voiRange
    return image ? { rows: image.rows, columns: image.columns, lower: voi?.lower, upper: voi?.upper } : null
  }

  /** Window/level by dragging: right-left widens or narrows the window, up-down moves its centre. */
  windowBy(dx, dy) {
    const voi = this.viewport.getProperties().voiRange
    if (!voi) return
    const width = Math.max(1, voi.upper - voi.lower + dx * 4)
    const centre = (voi.upper + voi.lower) / 2 + dy * 4
    this.viewport.setProperties({ voiRange: { lower: centre - width / 2, upper: centre + width / 2 } })
    this.viewport.render()
  }

  resetWindow() {
    this.viewport.resetProperties()
    this.viewport.render()
  }

  destroy() {
    this.element.removeEventListener(Enums.Events.IMAGE_RENDERED, this.listener)
    this.engine.destroy()
  }
}
