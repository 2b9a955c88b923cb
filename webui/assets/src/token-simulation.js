/**
 * Token simulation in the editor (issue 19 §2): bpmn-js-token-simulation's modeler module, plus Chinese for the
 * words it writes itself (it has no translate service): the titles and labels of its palette and context-pad buttons (speeds included) and
 * the texts of its notifications. The page's own toolbar button toggles it (`toggleMode`); the package's
 * "Token Simulation" switch and its English log are hidden by webui/static/css/editor-trials.css.
 */
export { default as TokenSimulationModule } from 'bpmn-js-token-simulation/lib/modeler';

export const tokenSimulationZh = {
  'Reset Simulation': '重置模拟',
  'Play/Pause Simulation': '开始/暂停模拟',
  'Play Simulation': '开始模拟',
  'Pause Simulation': '暂停模拟',
  'Toggle Simulation Log': '模拟日志',
  'Set Sequence Flow': '选择此分支',
  'Trigger Event': '触发事件',
  'Add pause point': '在此暂停',
  'Remove pause point': '取消暂停',
  'Finished': '已结束',
  'Found unsupported elements': '有模拟不支持的元素',
  'Not supported': '不支持模拟',
  'Start Event': '开始事件',
  'End Event': '结束事件',
  'Process started': '流程已开始',
  'Process finished': '流程已结束',
  'Process canceled': '流程已取消',
  'SubProcess started': '子流程已开始',
  'SubProcess finished': '子流程已结束',
  'SubProcess canceled': '子流程已取消',
  'Close': '关闭'
};
const SPEEDS = { Slow: '慢', Normal: '正常', Fast: '快' };

function zh(text) {
  if (!text) return text;
  if (tokenSimulationZh[text]) return tokenSimulationZh[text];
  var speed = /^Set animation speed = (.+)$/.exec(text);
  if (speed) return '动画速度：' + (SPEEDS[speed[1]] || speed[1]);
  var focus = /^Focus process instance (.+)$/.exec(text);
  if (focus) return '聚焦流程实例 ' + focus[1];
  var sub = /^(.+) (started|finished|canceled)$/.exec(text);  // a named subprocess
  return sub ? sub[1] + { started: ' 已开始', finished: ' 已结束', canceled: ' 已取消' }[sub[2]] : text;
}

function translateNode(node) {
  if (node.nodeType !== 1) return;
  [node].concat(Array.prototype.slice.call(node.querySelectorAll('[title], [aria-label]'))).forEach(function (el) {
    ['title', 'aria-label'].forEach(function (name) {
      var value = el.getAttribute && el.getAttribute(name);
      if (value && zh(value) !== value) el.setAttribute(name, zh(value));
    });
  });
}

function TokenSimulationChinese(eventBus, canvas, notifications, elementNotifications) {
  [notifications, elementNotifications].forEach(function (service) {
    var method = service.showNotification ? 'showNotification' : 'addElementNotification';
    var original = service[method].bind(service);
    service[method] = function () {
      var args = Array.prototype.slice.call(arguments);
      var options = args[args.length - 1];
      if (options && options.text) options.text = zh(options.text);
      return original.apply(null, args);
    };
  });
  var container = canvas.getContainer();
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === 'attributes') translateNode(record.target);
      record.addedNodes.forEach(translateNode);
    });
  }).observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: ['title', 'aria-label'] });
  translateNode(container);
}

TokenSimulationChinese.$inject = ['eventBus', 'canvas', 'notifications', 'elementNotifications'];

export const TokenSimulationZhModule = {
  __init__: ['tokenSimulationChinese'],
  tokenSimulationChinese: ['type', TokenSimulationChinese]
};
