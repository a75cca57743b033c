-- Argo CD health check for helpers.dev/AppWithHelpers (appwithhelpers-operator).
--
-- It reads only what the operator writes for this purpose: status.observedGeneration and the
-- conditions Stalled, Degraded, Ready and Reconciling. It uses nothing beyond Lua's base library,
-- because a script given in argocd-cm (resource.customizations.health.helpers.dev_AppWithHelpers)
-- runs without the string, math and os libraries.
--
--   Degraded     Stalled is True (invalid spec, progress deadline exceeded) or Degraded is True
--                (a step, sidecar or the app keeps failing; a Pod cannot be created)
--   Healthy      Ready is True: every wanted Pod runs the current template and is ready
--   Progressing  anything else: no status yet, a spec not yet observed, a rollout under way
local hs = { status = "Progressing", message = "waiting for the operator to report a status" }

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "being deleted"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.metadata ~= nil and obj.metadata.generation ~= nil and obj.status.observedGeneration ~= obj.metadata.generation then
  hs.message = "waiting for the operator to observe the latest spec"
  return hs
end

local conditions = {}
for _, condition in ipairs(obj.status.conditions) do
  conditions[condition.type] = condition
end
local function isTrue(type)
  return conditions[type] ~= nil and conditions[type].status == "True"
end
local function messageOf(type)
  if conditions[type].message ~= nil then
    return conditions[type].message
  end
  return conditions[type].reason or type
end

if isTrue("Stalled") then
  hs.status = "Degraded"
  hs.message = messageOf("Stalled")
elseif isTrue("Degraded") then
  hs.status = "Degraded"
  hs.message = messageOf("Degraded")
elseif isTrue("Ready") then
  hs.status = "Healthy"
  hs.message = messageOf("Ready")
elseif isTrue("Reconciling") then
  hs.message = messageOf("Reconciling")
elseif conditions["Ready"] ~= nil then
  hs.message = messageOf("Ready")
end
return hs
