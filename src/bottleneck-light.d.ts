/** bottleneck's own build without clustering (the package's light.js): the same classes and typings. */
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
